import { Migration } from '@mikro-orm/migrations';

/**
 * API search: people's names and addresses searchable with the same normalisation as tickets and
 * messages (postdesk_search_vector: `simple`, unaccented), so `tickets(filter: { search })` finds
 * the authors of messages by name or email through an index instead of a scan of every person,
 * and messages by author without a scan of every message.
 */
export class Migration20261123020000_api extends Migration {

  override name = 'Migration20261123020000_api';

  override up(): void | Promise<void> {
    this.addSql(`create index "person_search_idx" on "person" using gin (postdesk_search_vector(coalesce("name", '') || ' ' || "email"));`);
    // From the people who match to the tickets they wrote on, without scanning every message.
    this.addSql(`create index "message_author_id_index" on "message" ("author_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index if exists "message_author_id_index";`);
    this.addSql(`drop index if exists "person_search_idx";`);
  }

}
