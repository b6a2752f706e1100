import { Migration } from '@mikro-orm/migrations';

/** The language mail is written in: a person's own, else their ticket's queue's (src/people/language.ts); null: the desk's default. */
export class Migration20261202090000_languages extends Migration {

  override name = 'Migration20261202090000_languages';

  override up(): void | Promise<void> {
    this.addSql(`alter table "person" add column "language" varchar(35) null;`);
    this.addSql(`alter table "queue" add column "language" varchar(35) null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "person" drop column "language";`);
    this.addSql(`alter table "queue" drop column "language";`);
  }

}
