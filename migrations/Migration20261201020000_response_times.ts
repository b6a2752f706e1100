import { Migration } from '@mikro-orm/migrations';

/**
 * Response times: when support first answered a ticket publicly, and since when a customer's
 * message has waited for an answer (null once answered, or closed). Filled in for existing
 * tickets from their messages: a public answer is an OUTBOUND message; a customer's message an
 * INBOUND one that is neither automatic nor a bare quote.
 */
export class Migration20261201020000_response_times extends Migration {

  override name = 'Migration20261201020000_response_times';

  override up(): void | Promise<void> {
    this.addSql(`alter table "ticket" add column "first_response_at" timestamptz null, add column "awaiting_reply_since" timestamptz null;`);
    this.addSql(`update "ticket" t set "first_response_at" = r.at
      from (select "ticket_id", min("created_at") as at from "message" where "direction" = 'OUTBOUND' group by "ticket_id") r
      where r."ticket_id" = t."id";`);
    this.addSql(`update "ticket" t set "awaiting_reply_since" = w.since
      from (select m."ticket_id", min(m."created_at") as since from "message" m
            where m."direction" = 'INBOUND' and not (m."flags" && array['automatic', 'quoted-only']::text[])
              and m."created_at" > coalesce((select max(o."created_at") from "message" o where o."ticket_id" = m."ticket_id" and o."direction" = 'OUTBOUND'), '-infinity')
            group by m."ticket_id") w
      where w."ticket_id" = t."id" and t."status" <> 'CLOSED';`);
    // The few tickets someone waits on, for the work list, its count and the overdue metric.
    this.addSql(`create index "ticket_awaiting_reply_idx" on "ticket" ("awaiting_reply_since") where "awaiting_reply_since" is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "ticket" drop column "awaiting_reply_since", drop column "first_response_at";`);
  }

}
