import { Migration } from '@mikro-orm/migrations';

/**
 * postdesk_business_due(since, seconds, …): the instant `seconds` of opening time after `since`,
 * counted in the weekly windows (ISO weekday, minutes after local midnight; sorted by day and start)
 * of time zone `tz`, skipping holidays (local dates). Reply targets use it when BUSINESS_HOURS is
 * set (src/tickets/reply-targets.ts). Walks day by day from `since` until the seconds are used up:
 * as many steps as the target spans in days, however long ago `since` was; null past ten years.
 */
export class Migration20261201070000_business_hours extends Migration {

  override name = 'Migration20261201070000_business_hours';

  override up(): void | Promise<void> {
    this.addSql(`
      create or replace function postdesk_business_due(since timestamptz, seconds int, tz text, days int[], starts int[], ends int[], holidays date[])
      returns timestamptz language plpgsql stable parallel safe as $$
      declare
        here timestamp := since at time zone tz; -- local wall-clock time
        day date := (since at time zone tz)::date;
        remaining float8 := seconds;
        opens timestamp;
        closes timestamp;
        available float8;
      begin
        if since is null or seconds is null then return null; end if;
        for step in 0..3660 loop
          if not (day = any(holidays)) then
            for i in 1..coalesce(array_length(days, 1), 0) loop
              continue when days[i] <> extract(isodow from day);
              opens := greatest(day + make_interval(mins => starts[i]), here);
              closes := day + make_interval(mins => ends[i]);
              continue when opens >= closes;
              available := extract(epoch from closes - opens);
              if remaining <= available then
                return (opens + make_interval(secs => remaining)) at time zone tz;
              end if;
              remaining := remaining - available;
            end loop;
          end if;
          day := day + 1;
        end loop;
        return null;
      end $$;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop function if exists postdesk_business_due(timestamptz, int, text, int[], int[], int[], date[]);`);
  }

}
