import { Migration } from '@mikro-orm/migrations';

/**
 * API search: people's names and addresses searchable with the same normalisation as tickets and
 * messages (postdesk_search_vector: `simple`, unaccented), so `tickets(filter: { search })` finds
 * the authors of messages by name or email through an index instead of a scan of every person.
 */
export class Migration20261123020000_api extends Migration {

  override name = 'Migration20261123020000_api';

  override up(): void | Promise<void> {
    this.addSql(`create index "person_search_idx" on "person" using gin (postdesk_search_vector(coalesce("name", '') || ' ' || "email"));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "person_search_idx";`);
  }

}
