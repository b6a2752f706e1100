import { Migration } from '@mikro-orm/migrations';

/** An admin's retry of a message the mail server never handed over asks its poller to fetch it again. */
export class Migration20261128060000_refetch extends Migration {

  override name = 'Migration20261128060000_refetch';

  override up(): void | Promise<void> {
    this.addSql(`alter table "quarantined_message" add "refetch_requested_at" timestamptz null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "quarantined_message" drop column "refetch_requested_at";`);
  }

}
