import { Migration } from '@mikro-orm/migrations';

/** Sender authentication (TESTPLAN S6, S19): the SPF/DKIM/DMARC/ARC verdict stored with each inbound message. */
export class Migration20261128050000_sender_auth extends Migration {

  override name = 'Migration20261128050000_sender_auth';

  override up(): void | Promise<void> {
    this.addSql(`alter table "message" add "auth" jsonb null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "message" drop column "auth";`);
  }

}
