import { Migration } from '@mikro-orm/migrations';

/** The From address of an outgoing mail, which picks its DKIM key (src/outbound/dkim.ts); null for webhooks and mail queued before. */
export class Migration20261201150000_delivery_from_address extends Migration {

  override name = 'Migration20261201150000_delivery_from_address';

  override up(): void | Promise<void> {
    this.addSql(`alter table "outbound_delivery" add column "from_address" text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "outbound_delivery" drop column "from_address";`);
  }

}
