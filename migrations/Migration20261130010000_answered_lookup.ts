import { Migration } from '@mikro-orm/migrations';

/**
 * Threading rule 3: a message that arrives after the reply answering it joins the reply's ticket.
 * These indexes find the stored message whose In-Reply-To or References names a Message-ID.
 */
export class Migration20261130010000_answered_lookup extends Migration {

  override name = 'Migration20261130010000_answered_lookup';

  override up(): void | Promise<void> {
    this.addSql(`create index "message_in_reply_to_idx" on "message" ("in_reply_to") where "in_reply_to" is not null;`);
    this.addSql(`create index "message_references_idx" on "message" using gin ("references");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "message_references_idx";`);
    this.addSql(`drop index "message_in_reply_to_idx";`);
  }

}
