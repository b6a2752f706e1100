import { Migration } from '@mikro-orm/migrations';

/**
 * Files an agent uploads (POST /uploads) before naming them in replyToTicket, addNote or
 * createTicket. A row lives until a message takes it (moved into `attachment` by one statement)
 * or for a day; it belongs to the person who uploaded it.
 */
export class Migration20261130030000_uploads extends Migration {

  override name = 'Migration20261130030000_uploads';

  override up(): void | Promise<void> {
    this.addSql(`create table "upload" ("id" serial primary key, "uploader_id" int not null references "person" ("id") on delete cascade, "filename" varchar(255) not null, "content_type" varchar(255) not null, "size" int not null, "sha256" varchar(64) not null, "content" bytea not null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "upload_uploader_id_index" on "upload" ("uploader_id");`);
    this.addSql(`create index "upload_created_at_index" on "upload" ("created_at");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table "upload";`);
  }

}
