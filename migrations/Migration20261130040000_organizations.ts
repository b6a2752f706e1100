import { Migration } from '@mikro-orm/migrations';

/**
 * Customer organisations by mail domain: people writing from an organisation's domains may post
 * to its tickets by their [#N] tag (threading rule 2), like the requester's CCs.
 */
export class Migration20261130040000_organizations extends Migration {

  override name = 'Migration20261130040000_organizations';

  override up(): void | Promise<void> {
    this.addSql(`create table "organization" ("id" serial primary key, "name" varchar(100) not null, "domains" text[] not null, "created_at" timestamptz not null);`);
    this.addSql(`alter table "organization" add constraint "organization_name_unique" unique ("name");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table "organization";`);
  }

}
