import { Migration } from '@mikro-orm/migrations';

/**
 * Reply reminders: which wait of the customer (its awaiting_reply_since) staff were last reminded
 * of as overdue. A ticket is reminded once per wait: while this differs from awaiting_reply_since.
 *
 * Tickets already waiting when the upgrade runs count as reminded: otherwise the first run after
 * the upgrade would mail one reminder for every ticket that has been overdue for months. The
 * overdue filter and count still list them.
 */
export class Migration20261201030000_reply_reminders extends Migration {

  override name = 'Migration20261201030000_reply_reminders';

  override up(): void | Promise<void> {
    this.addSql(`alter table "ticket" add column "reply_reminded_for" timestamptz null;`);
    this.addSql(`update "ticket" set "reply_reminded_for" = "awaiting_reply_since" where "awaiting_reply_since" is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "ticket" drop column "reply_reminded_for";`);
  }

}
