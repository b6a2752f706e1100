import { Migration } from '@mikro-orm/migrations';

/**
 * Routing administration (issue 4): categories can be disabled and put in order; a queue may name
 * an approver who, besides admins and the category's approver, decides PENDING_APPROVAL tickets.
 */
export class Migration20261128040000_routing_admin extends Migration {

  override name = 'Migration20261128040000_routing_admin';

  override up(): void | Promise<void> {
    this.addSql(`alter table "category" add "enabled" boolean not null default true, add "position" int not null default 0;`);
    // Existing categories keep the order they were listed in (by name).
    this.addSql(`update "category" c set "position" = o.rn - 1 from (select "id", row_number() over (order by "name") as rn from "category") o where o."id" = c."id";`);
    this.addSql(`alter table "queue" add "approver_id" int null;`);
    this.addSql(`alter table "queue" add constraint "queue_approver_id_foreign" foreign key ("approver_id") references "person" ("id") on delete set null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "queue" drop constraint "queue_approver_id_foreign";`);
    this.addSql(`alter table "queue" drop column "approver_id";`);
    this.addSql(`alter table "category" drop column "enabled", drop column "position";`);
  }

}
