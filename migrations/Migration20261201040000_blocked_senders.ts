import { Migration } from '@mikro-orm/migrations';

/** Blocked senders: addresses or whole domains whose mail is quarantined (SENDER_BLOCKED). */
export class Migration20261201040000_blocked_senders extends Migration {

  override name = 'Migration20261201040000_blocked_senders';

  override up(): void | Promise<void> {
    this.addSql(`create table "blocked_sender" ("id" serial primary key, "pattern" text not null, "note" text null, "created_by_id" int null, "created_at" timestamptz not null);`);
    this.addSql(`alter table "blocked_sender" add constraint "blocked_sender_pattern_unique" unique ("pattern");`);
    this.addSql(`alter table "blocked_sender" add constraint "blocked_sender_created_by_id_foreign" foreign key ("created_by_id") references "person" ("id") on update cascade on delete set null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table "blocked_sender";`);
  }

}
