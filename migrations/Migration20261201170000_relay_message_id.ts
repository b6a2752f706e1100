import { Migration } from '@mikro-orm/migrations';

/**
 * The Message-ID a relay put on an outgoing mail in place of ours (Amazon SES does:
 * src/outbound/relay-message-id.ts): replies name it, so threading looks it up. Indexed where set.
 */
export class Migration20261201170000_relay_message_id extends Migration {

  override name = 'Migration20261201170000_relay_message_id';

  override up(): void | Promise<void> {
    this.addSql(`alter table "outbound_delivery" add column "relay_message_id" text null;`);
    this.addSql(`create index "outbound_delivery_relay_message_id_idx" on "outbound_delivery" ("relay_message_id") where "relay_message_id" is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "outbound_delivery_relay_message_id_idx";`);
    this.addSql(`alter table "outbound_delivery" drop column "relay_message_id";`);
  }

}
