import type { RawRow } from './features.js';
import { sigmoid } from './metrics.js';
import { createRandom } from './random.js';

/**
 * Synthetic leads shaped like a web-form export (skewed counts, a few categoricals with a long tail,
 * placeholders, missing cells), for timing and tests. The label is drawn from a known probability that has
 * main effects and one interaction, returned as `probability`.
 */
export function synthesizeLeads(
  count: number,
  seed: number,
): { rows: RawRow[]; labels: number[]; probability: number[]; time: number[] } {
  const random = createRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const sources = [
    'Google',
    'google',
    'Direct Traffic',
    'Olark Chat',
    'Organic Search',
    'Reference',
    'Referral Sites',
  ];
  const activities = [
    'Email Opened',
    'SMS Sent',
    'Page Visited on Website',
    'Email Bounced',
    'Converted to Lead',
  ];
  const occupations = ['Unemployed', 'Working Professional', 'Student', 'Select', ''];
  const countries = Array.from({ length: 40 }, (_, index) => `Country ${index}`);
  const rows: RawRow[] = [];
  const labels: number[] = [];
  const probability: number[] = [];
  const time: number[] = [];
  for (let index = 0; index < count; index++) {
    const source = pick(sources);
    const activity = pick(activities);
    const occupation = pick(occupations);
    const visits = Math.floor(-Math.log(1 - random()) * 4);
    const seconds = random() < 0.25 ? 0 : Math.round(-Math.log(1 - random()) * 600);
    const pages = visits === 0 ? 0 : Math.round((1 + random() * 4) * 100) / 100;
    const country = random() < 0.7 ? 'India' : random() < 0.5 ? '' : pick(countries);
    const emailOptOut = random() < 0.08 ? 'Yes' : 'No';
    let z = -1.2 + 0.0018 * Math.min(seconds, 1500);
    z +=
      source.toLowerCase() === 'google'
        ? 0.2
        : source === 'Reference'
          ? 2.2
          : source === 'Olark Chat'
            ? -0.6
            : 0;
    z += activity === 'SMS Sent' ? 1.3 : activity === 'Email Bounced' ? -1.4 : 0;
    z += occupation === 'Working Professional' ? 2 : occupation === 'Select' || occupation === '' ? -0.8 : 0;
    z += emailOptOut === 'Yes' ? -1 : 0;
    z += (activity === 'Email Opened') === visits > 3 ? 0.6 : -0.6;
    const p = sigmoid(z);
    rows.push({
      'Lead Source': source,
      'Last Activity': activity,
      Occupation: occupation,
      Country: country,
      'Do Not Email': emailOptOut,
      TotalVisits: visits,
      'Total Time Spent on Website': seconds,
      'Page Views Per Visit': pages,
    });
    probability.push(p);
    labels.push(random() < p ? 1 : 0);
    time.push(index);
  }
  return { rows, labels, probability, time };
}

export const SYNTHETIC_COLUMNS = [
  'Lead Source',
  'Last Activity',
  'Occupation',
  'Country',
  'Do Not Email',
  'TotalVisits',
  'Total Time Spent on Website',
  'Page Views Per Visit',
];
