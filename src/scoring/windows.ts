import { DAY_MS } from './decay.js';
import type { EngagementRule } from './rules-schema.js';

type Per = NonNullable<EngagementRule['limit']>['per'];

/** Maps an instant (epoch ms) to the number of the frequency-limit window holding it. */
export type WindowOf = (at: number) => number;

/** UTC calendar day. */
export const dayWindow: WindowOf = (at) => Math.floor(at / DAY_MS);

/** ISO week (Monday start, UTC). 1970-01-01 was a Thursday, so Monday 1969-12-29 starts week 0. */
export const isoWeekWindow: WindowOf = (at) => Math.floor((Math.floor(at / DAY_MS) + 3) / 7);

/** UTC calendar month as year * 12 + month, by civil-from-days arithmetic (no Date allocated per event). */
export const monthWindow: WindowOf = (at) => {
  // Howard Hinnant's days_from_civil inverse: http://howardhinnant.github.io/date_algorithms.html#civil_from_days
  const z = Math.floor(at / DAY_MS) + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153); // 0 = March
  const month = shiftedMonth < 10 ? shiftedMonth + 2 : shiftedMonth - 10; // 0 = January
  const year = yearOfEra + era * 400 + (month <= 1 ? 1 : 0);
  return year * 12 + month;
};

export function compileWindow(per: Per): WindowOf {
  if (per === 'day') return dayWindow;
  if (per === 'week') return isoWeekWindow;
  if (per === 'month') return monthWindow;
  const size = per.days * DAY_MS;
  return (at) => Math.floor(at / size);
}
