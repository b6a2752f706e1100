import { Migration } from '@mikro-orm/migrations';

/**
 * SENDER_RATE_LIMIT counts the tickets a sender's mail opened, whoever became the requester (a
 * web form's Reply-To, an agent's forward): by the message's author and time, not the requester.
 */
export class Migration20261201100000_sender_window extends Migration {

  override name = 'Migration20261201100000_sender_window';

  override up(): void | Promise<void> {
    this.addSql(`create index "message_author_created_idx" on "message" ("author_id", "created_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "message_author_created_idx";`);
  }

}
