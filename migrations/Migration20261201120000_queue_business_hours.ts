import { Migration } from '@mikro-orm/migrations';

/**
 * A queue's own opening times (a team in another time zone, or one that works around the clock):
 * business_hours null keeps the desk's BUSINESS_HOURS, 'always' counts around the clock, anything
 * else is the queue's windows in BUSINESS_HOURS form, stored parsed in business_days/_starts/_ends
 * as postdesk_business_due takes them. business_timezone and business_holidays null keep the
 * desk's.
 *
 * postdesk_queue_due(since, seconds, queue, the desk's calendar …): the reply's due instant for a
 * ticket of that queue, the desk's calendar filling what the queue leaves unset; around the clock
 * when neither has windows (src/tickets/reply-targets.ts asks only for queues with a calendar).
 */
export class Migration20261201120000_queue_business_hours extends Migration {

  override name = 'Migration20261201120000_queue_business_hours';

  override up(): void | Promise<void> {
    this.addSql(`alter table "queue" add column "business_hours" text null, add column "business_timezone" text null, add column "business_holidays" text[] null,
      add column "business_days" int[] null, add column "business_starts" int[] null, add column "business_ends" int[] null;`);
    this.addSql(`
      create or replace function postdesk_queue_due(since timestamptz, seconds int, for_queue int, tz text, days int[], starts int[], ends int[], holidays date[])
      returns timestamptz language plpgsql stable parallel safe as $$
      declare
        q record;
      begin
        select business_hours, business_timezone, business_holidays, business_days, business_starts, business_ends into q from queue where id = for_queue;
        if q.business_hours = 'always' or (q.business_hours is null and days is null) then
          return since + make_interval(secs => seconds);
        end if;
        if q.business_hours is not null then
          days := q.business_days; starts := q.business_starts; ends := q.business_ends;
        end if;
        return postdesk_business_due(since, seconds, coalesce(q.business_timezone, tz, 'UTC'), days, starts, ends, coalesce(q.business_holidays::date[], holidays, '{}'));
      end $$;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop function if exists postdesk_queue_due(timestamptz, int, int, text, int[], int[], int[], date[]);`);
    this.addSql(`alter table "queue" drop column "business_hours", drop column "business_timezone", drop column "business_holidays",
      drop column "business_days", drop column "business_starts", drop column "business_ends";`);
  }

}
