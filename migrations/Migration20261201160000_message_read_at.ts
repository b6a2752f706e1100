import { Migration } from '@mikro-orm/migrations';

/** When a read receipt said our mail (an agent's reply) was displayed (src/ingest/parse/read-receipt.ts); null: no receipt. */
export class Migration20261201160000_message_read_at extends Migration {

  override name = 'Migration20261201160000_message_read_at';

  override up(): void | Promise<void> {
    this.addSql(`alter table "message" add column "read_at" timestamptz null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "message" drop column "read_at";`);
  }

}
