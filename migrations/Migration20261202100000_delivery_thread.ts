import { Migration } from '@mikro-orm/migrations';

/**
 * The mail that carried a message (an agent's reply, a forward), looked up by the message:
 * Message.delivery in the API reads it per page of messages, and deleting a message (erasePerson,
 * a ticket's deletion) sets it null there. Indexed where set.
 */
export class Migration20261202100000_delivery_thread extends Migration {

  override name = 'Migration20261202100000_delivery_thread';

  override up(): void | Promise<void> {
    this.addSql(`create index "outbound_delivery_thread_id_idx" on "outbound_delivery" ("thread_id") where "thread_id" is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "outbound_delivery_thread_id_idx";`);
  }

}
