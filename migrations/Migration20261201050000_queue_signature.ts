import { Migration } from '@mikro-orm/migrations';

/** A queue's signature for agents' replies (null: the default). */
export class Migration20261201050000_queue_signature extends Migration {

  override name = 'Migration20261201050000_queue_signature';

  override up(): void | Promise<void> {
    this.addSql(`alter table "queue" add column "signature" text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "queue" drop column "signature";`);
  }

}
