import { Migration } from '@mikro-orm/migrations';

/** The requester's rating (GOOD or BAD), given by mail from the closing notice's links. */
export class Migration20261201080000_satisfaction extends Migration {

  override name = 'Migration20261201080000_satisfaction';

  override up(): void | Promise<void> {
    this.addSql(`create type "satisfaction" as enum ('GOOD', 'BAD');`);
    this.addSql(`alter table "ticket" add column "satisfaction" "satisfaction" null, add column "satisfaction_at" timestamptz null;`);
    // ticketStats counts the ratings given in a window.
    this.addSql(`create index "ticket_satisfaction_at_idx" on "ticket" ("satisfaction_at") where "satisfaction_at" is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "ticket" drop column "satisfaction", drop column "satisfaction_at";`);
    this.addSql(`drop type "satisfaction";`);
  }

}
