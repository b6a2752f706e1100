import { Migration } from '@mikro-orm/migrations';

/**
 * Categories with fields of their own ("Instance ID"), and each ticket's values for them: set by
 * agents, or read from the customer's mail ("Instance ID: i-0abc"), and found again by value.
 * And merged tickets: a duplicate points to the ticket it was merged into.
 */
export class Migration20261130050000_fields_and_merges extends Migration {

  override name = 'Migration20261130050000_fields_and_merges';

  override up(): void | Promise<void> {
    this.addSql(`alter table "category" add column "fields" jsonb not null default '[]';`);
    this.addSql(`alter table "ticket" add column "field_values" jsonb not null default '{}';`);
    // tickets(filter: { field: { name, value } }) asks `field_values @> {"name": "value"}`.
    this.addSql(`create index "ticket_field_values_idx" on "ticket" using gin ("field_values" jsonb_path_ops);`);
    this.addSql(`alter table "ticket" add column "merged_into_id" int null;`);
    this.addSql(`create index "ticket_merged_into_id_index" on "ticket" ("merged_into_id");`);
    this.addSql(`alter table "ticket" add constraint "ticket_merged_into_id_foreign" foreign key ("merged_into_id") references "ticket" ("id") on delete set null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "ticket" drop column "merged_into_id";`);
    this.addSql(`alter table "ticket" drop column "field_values";`);
    this.addSql(`alter table "category" drop column "fields";`);
  }

}
