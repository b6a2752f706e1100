import { Migration } from '@mikro-orm/migrations';

/** A queue's own paragraph in the acknowledgement of its new tickets (src/outbound/variables.ts `ticket.queueNote`); null: none. */
export class Migration20261201140000_queue_acknowledgement_note extends Migration {

  override name = 'Migration20261201140000_queue_acknowledgement_note';

  override up(): void | Promise<void> {
    this.addSql(`alter table "queue" add column "acknowledgement_note" text null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "queue" drop column "acknowledgement_note";`);
  }

}
