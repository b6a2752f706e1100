import { Migration } from '@mikro-orm/migrations';

export class Migration20261122230359_inbound extends Migration {

  override name = 'Migration20261122230359_inbound';

  override up(): void | Promise<void> {
    this.addSql(`create table "app_setting" ("key" varchar(64) not null, "value" text not null, "created_at" timestamptz not null, primary key ("key"));`);

    this.addSql(`create table "inbound_receipt" ("id" serial primary key, "door" "door" not null, "mailbox" varchar(64) null, "uid_validity" bigint null, "uid" bigint null, "outcome" varchar(32) not null, "sha256" varchar(64) not null, "message_id" int null, "quarantined_id" int null, "received_at" timestamptz not null);`);
    this.addSql(`create index "inbound_receipt_message_id_index" on "inbound_receipt" ("message_id");`);
    this.addSql(`create index "inbound_receipt_received_idx" on "inbound_receipt" ("received_at");`);
    this.addSql(`alter table "inbound_receipt" add constraint "inbound_receipt_provenance_unique" unique ("mailbox", "uid_validity", "uid");`);

    this.addSql(`alter table "mailbox_state" add "lease_generation" bigint not null default '0', add "lease_holder" varchar(255) null, add "lease_acquired_at" timestamptz null;`);

    this.addSql(`alter table "person" add "undeliverable_since" timestamptz null;`);

    this.addSql(`alter table "message" add "flags" text[] not null default '{}', add "visible_text" text null, add "content_hash" varchar(64) null;`);

    this.addSql(`alter table "inbound_receipt" add constraint "inbound_receipt_message_id_foreign" foreign key ("message_id") references "message" ("id") on delete set null;`);
    this.addSql(`alter table "inbound_receipt" add constraint "inbound_receipt_quarantined_id_foreign" foreign key ("quarantined_id") references "quarantined_message" ("id") on delete set null;`);

  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "app_setting" cascade;`);
    this.addSql(`drop table if exists "inbound_receipt" cascade;`);

    this.addSql(`alter table "mailbox_state" drop column "lease_generation", drop column "lease_holder", drop column "lease_acquired_at";`);

    this.addSql(`alter table "message" drop column "flags", drop column "visible_text", drop column "content_hash";`);

    this.addSql(`alter table "person" drop column "undeliverable_since";`);
  }

}
