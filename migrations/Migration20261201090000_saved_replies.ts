import { Migration } from '@mikro-orm/migrations';

/** Saved replies: text agents start a reply from, for every queue or for one. */
export class Migration20261201090000_saved_replies extends Migration {

  override name = 'Migration20261201090000_saved_replies';

  override up(): void | Promise<void> {
    this.addSql(`create table "saved_reply" ("id" serial primary key, "name" varchar(100) not null, "body" text not null, "queue_id" int null, "updated_at" timestamptz not null);`);
    this.addSql(`alter table "saved_reply" add constraint "saved_reply_name_unique" unique ("name");`);
    this.addSql(`create index "saved_reply_queue_id_index" on "saved_reply" ("queue_id");`);
    this.addSql(`alter table "saved_reply" add constraint "saved_reply_queue_id_foreign" foreign key ("queue_id") references "queue" ("id") on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table "saved_reply";`);
  }

}
