import { Migration } from '@mikro-orm/migrations';

/** Routing: categories record their last change, which the rule-set cache watches. */
export class Migration20261123010000_routing extends Migration {

  override name = 'Migration20261123010000_routing';

  override up(): void | Promise<void> {
    this.addSql(`alter table "category" add "updated_at" timestamptz not null default now();`);
    this.addSql(`alter table "category" alter column "updated_at" drop default;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "category" drop column "updated_at";`);
  }

}
