import { Migration } from '@mikro-orm/migrations';

/**
 * Who sent a quarantined message and what it is about, read from its header block when it is
 * quarantined (or, for one too large to fetch, from the mail server): admins triage the list
 * without downloading each raw message. Null for records from before, and where unreadable.
 */
export class Migration20261201110000_quarantine_summary extends Migration {

  override name = 'Migration20261201110000_quarantine_summary';

  override up(): void | Promise<void> {
    this.addSql(`alter table "quarantined_message" add column "sender" varchar(320) null, add column "subject" text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "quarantined_message" drop column "sender", drop column "subject";`);
  }

}
