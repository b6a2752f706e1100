import { Migration } from '@mikro-orm/migrations';

/** Snoozed tickets: out of the work list until a time, or until the customer writes. */
export class Migration20261201060000_snooze extends Migration {

  override name = 'Migration20261201060000_snooze';

  override up(): void | Promise<void> {
    this.addSql(`alter table "ticket" add column "snoozed_until" timestamptz null;`);
    // The few snoozed tickets, for the minutely wake-up and the snoozed filter.
    this.addSql(`create index "ticket_snoozed_idx" on "ticket" ("snoozed_until") where "snoozed_until" is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "ticket" drop column "snoozed_until";`);
  }

}
