import { Migration } from '@mikro-orm/migrations';

/**
 * Quarantine triage: an admin may dismiss a quarantined message (spam caught by the rate limit, a
 * newsletter nobody needs) so the list of what still needs a decision stays short. The raw bytes
 * are kept: dismissing hides nothing from the record and can be undone by a retry.
 * And the admin audit log (events without a ticket), read newest first: a partial index, since
 * those few rows sit among millions of ticket events.
 */
export class Migration20261201010000_quarantine_triage extends Migration {

  override name = 'Migration20261201010000_quarantine_triage';

  override up(): void | Promise<void> {
    this.addSql(`alter table "quarantined_message" add column "dismissed_at" timestamptz null, add column "dismissed_by_id" int null;`);
    this.addSql(`alter table "quarantined_message" add constraint "quarantined_message_dismissed_by_id_foreign" foreign key ("dismissed_by_id") references "person" ("id") on delete set null;`);
    this.addSql(`create index "ticket_event_admin_idx" on "ticket_event" ("id" desc) where "ticket_id" is null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "ticket_event_admin_idx";`);
    this.addSql(`alter table "quarantined_message" drop column "dismissed_by_id", drop column "dismissed_at";`);
  }

}
