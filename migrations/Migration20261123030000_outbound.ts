import { Migration } from '@mikro-orm/migrations';

/**
 * Outbound: the per-address hourly limit counts recent automatic mail by recipient, so recipients
 * get a GIN index. pg-boss keeps its own schema (`pgboss`) and creates it itself.
 */
export class Migration20261123030000_outbound extends Migration {

  override name = 'Migration20261123030000_outbound';

  override up(): void | Promise<void> {
    this.addSql(`create index "outbound_delivery_recipients_idx" on "outbound_delivery" using gin ("recipients");`);
    this.addSql(`create index "outbound_delivery_created_at_idx" on "outbound_delivery" ("created_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "outbound_delivery_created_at_idx";`);
    this.addSql(`drop index "outbound_delivery_recipients_idx";`);
  }

}
