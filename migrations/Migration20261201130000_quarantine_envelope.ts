import { Migration } from '@mikro-orm/migrations';

/**
 * The SMTP envelope (client IP, HELO, MAIL FROM, RCPT TO) of a message the SMTP door quarantined,
 * so an admin's retry routes it (a Bcc to a queue's or the emergency address) and checks SPF as the
 * first try did. Null for the other doors and for records from before.
 */
export class Migration20261201130000_quarantine_envelope extends Migration {

  override name = 'Migration20261201130000_quarantine_envelope';

  override up(): void | Promise<void> {
    this.addSql(`alter table "quarantined_message" add column "envelope" jsonb null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "quarantined_message" drop column "envelope";`);
  }

}
