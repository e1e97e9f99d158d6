import { closeSync, openSync, writeSync } from 'node:fs';
import type { EngagementEvent, EventType, LeadRecord } from '../crm/vocabulary.js';
import { pick, pickWeighted, seededRandom } from '../util/random.js';

/**
 * A synthetic lead population in the core model, deterministic by seed, for `leadscore demo` without a CRM and
 * for the core benchmark. Engagement is heavy-tailed (most leads do little, a few do a lot) and hotter for
 * better-fitting leads, as in real funnels.
 */
export interface SyntheticOptions {
  seed: number;
  records: number;
  /** Mean events per record; the total is close to records * eventsPerRecord. */
  eventsPerRecord: number;
  /** Newest event time (epoch ms); events spread over the 180 days before it. */
  now: number;
  source?: string;
}

const INDUSTRIES = [
  'Software',
  'Financial Services',
  'Healthcare',
  'Retail',
  'Manufacturing',
  'Education',
  'Media',
];
const TITLES = [
  'CEO',
  'CTO',
  'VP Sales',
  'Head of Marketing',
  'Director of Operations',
  'Marketing Manager',
  'Sales Representative',
  'Software Engineer',
  'Analyst',
  'Student',
  'Consultant',
];
const COUNTRIES = [
  'United States',
  'United Kingdom',
  'Germany',
  'France',
  'Canada',
  'India',
  'Brazil',
  'Australia',
];
const FREE_MAIL = ['gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com'];
const PAGES = [
  '/pricing',
  '/product',
  '/blog/lead-scoring-101',
  '/blog/crm-tips',
  '/customers',
  '/careers',
  '/docs',
];
const EVENT_TYPES: EventType[] = [
  'email_sent',
  'email_open',
  'email_click',
  'page_view',
  'form_submission',
  'content_download',
  'demo_request',
  'meeting_booked',
  'meeting_held',
  'call',
  'email_reply',
  'unsubscribe',
  'email_bounce',
];
const EVENT_WEIGHTS = [30, 24, 9, 22, 4, 4, 0.8, 1, 0.8, 2, 1, 0.7, 0.7];
const DAY = 86_400_000;

export function syntheticRecord(random: () => number, index: number, options: SyntheticOptions): LeadRecord {
  const company = `Company ${Math.floor(index / 3)}`;
  const freeMail = random() < 0.2;
  const domain = freeMail ? pick(random, FREE_MAIL) : `company${Math.floor(index / 3)}.example`;
  const createdAt = options.now - Math.floor(random() * 540 * DAY);
  return {
    source: options.source ?? 'file',
    externalId: `lead-${index}`,
    email: `person${index}@${domain}`,
    firstName: `First${index}`,
    lastName: `Last${index}`,
    company,
    industry: pick(random, INDUSTRIES),
    title: pick(random, TITLES),
    companySize: Math.round(Math.exp(random() * 9)),
    country: pickWeighted(random, COUNTRIES, [40, 12, 10, 8, 8, 10, 6, 6]),
    ownerId: `owner-${index % 12}`,
    lifecycleStage: 'lead',
    createdAt,
    updatedAt: createdAt + Math.floor(random() * (options.now - createdAt)),
    properties: { leadSource: pick(random, ['organic', 'paid', 'referral', 'event']) },
  };
}

function eventAttributes(random: () => number, type: EventType): EngagementEvent['attributes'] {
  switch (type) {
    case 'page_view':
      return { url: `https://www.example.com${pick(random, PAGES)}` };
    case 'email_sent':
    case 'email_open':
    case 'email_click':
    case 'unsubscribe':
      return { campaignId: `campaign-${Math.floor(random() * 40)}` };
    case 'form_submission':
    case 'demo_request':
      return { formId: `form-${Math.floor(random() * 6)}` };
    case 'content_download':
      return { contentId: `whitepaper-${Math.floor(random() * 10)}` };
    case 'email_bounce':
      return { bounceType: random() < 0.6 ? 'hard' : 'soft' };
    case 'call':
    case 'meeting_held':
      return { durationSeconds: Math.floor(random() * 3600) };
    default:
      return {};
  }
}

const SENIOR = new Set(['CEO', 'CTO', 'VP Sales', 'Head of Marketing', 'Director of Operations']);
const TARGET_INDUSTRIES = new Set(['Software', 'Financial Services']);

/** 0.7 for a poor fit to 1.6 for a senior buyer in a target industry; averages about 1. */
function fitFactor(record: LeadRecord): number {
  return (
    0.7 +
    (SENIOR.has(record.title ?? '') ? 0.5 : 0) +
    (TARGET_INDUSTRIES.has(record.industry ?? '') ? 0.4 : 0)
  );
}

/** Calls `onRecord` for every record with its events, in record order. */
export function generateSynthetic(
  options: SyntheticOptions,
  onRecord: (record: LeadRecord, events: EngagementEvent[]) => void,
): { records: number; events: number } {
  const random = seededRandom(options.seed);
  let eventCount = 0;
  for (let index = 0; index < options.records; index++) {
    const record = syntheticRecord(random, index, options);
    // Heavy tail: activity ~ exponential with mean eventsPerRecord, hotter for better-fitting leads.
    const activity = -Math.log(1 - random()) * options.eventsPerRecord * fitFactor(record);
    const count = Math.floor(activity);
    const events: EngagementEvent[] = [];
    for (let n = 0; n < count; n++) {
      const type = pickWeighted(random, EVENT_TYPES, EVENT_WEIGHTS);
      events.push({
        source: record.source,
        sourceId: `evt-${index}-${n}`,
        recordExternalId: record.externalId,
        type,
        occurredAt: options.now - Math.floor(random() * 180 * DAY),
        attributes: eventAttributes(random, type),
      });
    }
    eventCount += events.length;
    onRecord(record, events);
  }
  return { records: options.records, events: eventCount };
}

/** Writes the population as two JSON Lines files in the import format (docs/import-format.md). */
export function writeSyntheticFiles(
  options: SyntheticOptions,
  paths: { records: string; events: string },
): { records: number; events: number } {
  const recordsFd = openSync(paths.records, 'w');
  const eventsFd = openSync(paths.events, 'w');
  let recordBuffer = '';
  let eventBuffer = '';
  try {
    const counts = generateSynthetic(options, (record, events) => {
      const { source: _source, externalId, properties, ...fields } = record;
      recordBuffer += `${JSON.stringify({ id: externalId, ...fields, ...properties, createdAt: new Date(record.createdAt ?? 0).toISOString() })}\n`;
      for (const event of events) {
        eventBuffer += `${JSON.stringify({
          id: event.sourceId,
          recordId: event.recordExternalId,
          type: event.type,
          occurredAt: event.occurredAt,
          attributes: event.attributes,
        })}\n`;
      }
      if (eventBuffer.length > 1 << 20) {
        writeSync(eventsFd, eventBuffer);
        eventBuffer = '';
      }
      if (recordBuffer.length > 1 << 20) {
        writeSync(recordsFd, recordBuffer);
        recordBuffer = '';
      }
    });
    writeSync(recordsFd, recordBuffer);
    writeSync(eventsFd, eventBuffer);
    return counts;
  } finally {
    closeSync(recordsFd);
    closeSync(eventsFd);
  }
}
