import {
  CALL_DISPOSITIONS,
  CAMPAIGNS,
  COMPANY_PREFIXES,
  COMPANY_SUFFIXES,
  COUNTRIES,
  DEMO_PAGE,
  EMAIL_LINK_PAGES,
  FIRST_NAMES,
  FORMS,
  INDUSTRIES,
  LAST_NAMES,
  LIFECYCLE_STAGES,
  type LifecycleStage,
  OWNERS,
  PAGES,
  PRICING_PAGE,
  SIZE_BUCKETS,
  TITLES,
} from './pools.js';
import { gaussian, mulberry32, poisson, type Rng, subSeed, weighted } from './prng.js';

/**
 * A deterministic synthetic HubSpot portal: contacts with fit attributes, and their engagement over months.
 * Stored in typed arrays (columns), so 100,000 contacts with 1,000,000 events fit in a few tens of MB.
 *
 * The funnel: fit (industry, title seniority, company size, country, free-mail) and a latent interest drive
 * engagement (opens, clicks, pricing visits, demo requests, meetings); conversion (lifecycle stage reaching
 * opportunity/customer) is a logistic function of both, a few per cent overall, as in real B2B funnels.
 */

/** Event kinds as stored. Each maps to one HubSpot API (see store.ts and BEHAVIOR.md). */
export const EV = {
  SENT: 0,
  DELIVERED: 1,
  OPEN: 2,
  CLICK: 3,
  BOUNCE: 4,
  UNSUBSCRIBE: 5,
  PAGE_VIEW: 6,
  FORM: 7,
  MEETING: 8,
  CALL: 9,
} as const;
export type EventKind = (typeof EV)[keyof typeof EV];

const DAY = 86_400_000;
const MINUTE = 60_000;

/** Growable columnar event storage. */
export class EventColumns {
  time: Float64Array;
  row: Uint32Array;
  kind: Uint8Array;
  /** campaign index (email), page index (page view, click), form index (form), outcome (meeting), disposition (call). */
  attr: Uint16Array;
  /** bounce category / call duration seconds / meeting duration minutes / offset into PAGES for form page. */
  aux: Uint32Array;
  length = 0;

  constructor(capacity: number) {
    const c = Math.max(16, capacity);
    this.time = new Float64Array(c);
    this.row = new Uint32Array(c);
    this.kind = new Uint8Array(c);
    this.attr = new Uint16Array(c);
    this.aux = new Uint32Array(c);
  }

  push(time: number, row: number, kind: EventKind, attr = 0, aux = 0): number {
    if (this.length === this.time.length) this.grow();
    const i = this.length++;
    this.time[i] = time;
    this.row[i] = row;
    this.kind[i] = kind;
    this.attr[i] = attr;
    this.aux[i] = aux;
    return i;
  }

  private grow(): void {
    const c = this.time.length * 2;
    const t = new Float64Array(c);
    t.set(this.time);
    this.time = t;
    const r = new Uint32Array(c);
    r.set(this.row);
    this.row = r;
    const k = new Uint8Array(c);
    k.set(this.kind);
    this.kind = k;
    const a = new Uint16Array(c);
    a.set(this.attr);
    this.attr = a;
    const x = new Uint32Array(c);
    x.set(this.aux);
    this.aux = x;
  }
}

export interface GeneratorOptions {
  seed: number;
  contacts: number;
  /** Epoch ms of "now" for the generated history. */
  now: number;
  /** Average stored events per contact (default 10). */
  eventsPerContact?: number;
  /** Months of history (default 18). */
  months?: number;
}

/** The generated portal. Row i is base contact i; its id is contactIdForRow(i). */
export interface Dataset {
  seed: number;
  n: number;
  now: number;
  companies: number;
  first: Uint8Array;
  last: Uint8Array;
  nameSuffix: Uint16Array;
  company: Uint32Array;
  industry: Uint8Array; // 255 = missing
  title: Uint8Array; // 255 = missing
  sizeBucket: Uint8Array;
  employees: Uint32Array;
  /** 0 = clean number, 1..4 = messy `company_size` strings. */
  messySize: Uint8Array;
  country: Uint8Array;
  owner: Uint8Array; // 255 = unowned
  lifecycle: Uint8Array;
  source: Uint8Array;
  freeMail: Uint8Array;
  createdAt: Float64Array;
  modifiedAt: Float64Array;
  /** Epoch ms the contact became an opportunity; 0 = never. */
  convertedAt: Float64Array;
  /** Epoch ms the contact became a customer; 0 = never. */
  customerAt: Float64Array;
  fit: Float32Array;
  interest: Float32Array;
  events: EventColumns;
  /** Events of base row i are events[rowEvStart[i] .. rowEvStart[i+1]). */
  rowEvStart: Uint32Array;
}

export const MISSING = 255;

export function companyName(k: number): string {
  const p = COMPANY_PREFIXES.length;
  const s = COMPANY_SUFFIXES.length;
  const base = `${COMPANY_PREFIXES[k % p]} ${COMPANY_SUFFIXES[Math.floor(k / p) % s]}`;
  const round = Math.floor(k / (p * s));
  return round === 0 ? base : `${base} ${round + 1}`;
}

export function companyDomain(k: number): string {
  return `${companyName(k)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '')}.example`;
}

interface CompanyAttrs {
  industry: number;
  sizeBucket: number;
  country: number;
}

function companyAttrs(seed: number, k: number): CompanyAttrs {
  const rng = mulberry32(subSeed(seed ^ 0x5eed_c0de, k));
  return {
    industry: weighted(
      rng,
      INDUSTRIES.map((x) => x.weight),
    ),
    sizeBucket: weighted(
      rng,
      SIZE_BUCKETS.map((x) => x.weight),
    ),
    country: weighted(
      rng,
      COUNTRIES.map((x) => x.weight),
    ),
  };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const lifecycleIndex = (s: LifecycleStage) => LIFECYCLE_STAGES.indexOf(s);

export function generateDataset(options: GeneratorOptions): Dataset {
  const n = Math.max(0, Math.floor(options.contacts));
  const seed = options.seed >>> 0;
  const now = options.now;
  const perContact = options.eventsPerContact ?? 10;
  const k = perContact / 10;
  const span = (options.months ?? 18) * 30 * DAY;
  const start = now - span;
  const companies = Math.max(20, Math.min(50_000, Math.ceil(n / 6)));
  const companyCache = new Map<number, CompanyAttrs>();

  const ds: Dataset = {
    seed,
    n,
    now,
    companies,
    first: new Uint8Array(n),
    last: new Uint8Array(n),
    nameSuffix: new Uint16Array(n),
    company: new Uint32Array(n),
    industry: new Uint8Array(n),
    title: new Uint8Array(n),
    sizeBucket: new Uint8Array(n),
    employees: new Uint32Array(n),
    messySize: new Uint8Array(n),
    country: new Uint8Array(n),
    owner: new Uint8Array(n),
    lifecycle: new Uint8Array(n),
    source: new Uint8Array(n),
    freeMail: new Uint8Array(n),
    createdAt: new Float64Array(n),
    modifiedAt: new Float64Array(n),
    convertedAt: new Float64Array(n),
    customerAt: new Float64Array(n),
    fit: new Float32Array(n),
    interest: new Float32Array(n),
    events: new EventColumns(Math.ceil(n * perContact * 1.1) + 16),
    rowEvStart: new Uint32Array(n + 1),
  };
  const ev = ds.events;
  const titleWeights = TITLES.map((t) => t.weight);
  const sourceWeights = [30, 12, 8, 10, 10, 5, 18, 4, 3];
  const fl = FIRST_NAMES.length * LAST_NAMES.length;

  for (let i = 0; i < n; i++) {
    const rng = mulberry32(subSeed(seed, i));
    ds.rowEvStart[i] = ev.length;
    // Names: (first, last) pairs repeat every 3,600 rows; the suffix keeps every email unique.
    ds.first[i] = i % FIRST_NAMES.length;
    ds.last[i] = Math.floor(i / FIRST_NAMES.length) % LAST_NAMES.length;
    ds.nameSuffix[i] = Math.floor(i / fl);
    const created = start + ((i + rng() * 0.9) / Math.max(1, n)) * (span - DAY);
    ds.createdAt[i] = created;

    const comp = Math.floor(rng() * companies);
    ds.company[i] = comp;
    let attrs = companyCache.get(comp);
    if (!attrs) {
      attrs = companyAttrs(seed, comp);
      companyCache.set(comp, attrs);
    }
    ds.industry[i] = rng() < 0.1 ? MISSING : attrs.industry;
    ds.sizeBucket[i] = attrs.sizeBucket;
    const bucket = SIZE_BUCKETS[attrs.sizeBucket]!;
    ds.employees[i] = bucket.min + Math.floor(rng() * (bucket.max - bucket.min + 1));
    ds.messySize[i] = rng() < 0.015 ? 1 + Math.floor(rng() * 4) : 0;
    ds.country[i] =
      rng() < 0.85
        ? attrs.country
        : weighted(
            rng,
            COUNTRIES.map((c) => c.weight),
          );
    const titleIdx = weighted(rng, titleWeights);
    ds.title[i] = rng() < 0.08 ? MISSING : titleIdx;
    const title = TITLES[titleIdx]!;
    const free = rng() < (title.seniority === 0 ? 0.3 : 0.15) ? 1 : 0;
    ds.freeMail[i] = free;
    ds.source[i] = weighted(rng, sourceWeights);

    const fit =
      (ds.industry[i] === MISSING ? 0 : INDUSTRIES[ds.industry[i]!]!.fit) +
      title.fit +
      bucket.fit +
      COUNTRIES[ds.country[i]!]!.fit +
      (free ? -0.7 : 0);
    ds.fit[i] = fit;
    // Latent interest: partly explained by fit (buyers read more), partly noise.
    const interest = 0.35 * fit + gaussian(rng);
    ds.interest[i] = interest;

    const life = generateEngagement(ev, rng, i, created, now, interest, fit, k);
    // Conversion: fit and engagement, a few per cent overall.
    const logit =
      -6.0 +
      0.9 * fit +
      0.35 * interest +
      1.4 * (life.demo ? 1 : 0) +
      0.7 * Math.min(life.pricingViews, 2) +
      1.6 * (life.meetingHeld ? 1 : 0) +
      0.25 * Math.min(life.clicks, 3) +
      (life.bounced || life.unsubscribed ? -1.0 : 0);
    let converted = 0;
    let customer = 0;
    if (rng() < sigmoid(logit)) {
      const anchor = Math.max(life.lastKeyEvent, created + 3 * DAY);
      const t = anchor + (2 + rng() * 25) * DAY;
      if (t < now - DAY) {
        converted = t;
        const c = t + (10 + rng() * 60) * DAY;
        if (rng() < 0.45 && c < now - DAY) customer = c;
      }
    }
    ds.convertedAt[i] = converted;
    ds.customerAt[i] = customer;

    let stage: LifecycleStage;
    if (customer) stage = 'customer';
    else if (converted) stage = 'opportunity';
    else if (life.meetings > 0) stage = 'salesqualifiedlead';
    else if (life.demo || life.forms >= 2 || (life.clicks >= 2 && fit > 0.5))
      stage = 'marketingqualifiedlead';
    else if (life.newsletterOnly) stage = 'subscriber';
    else stage = rng() < 0.02 ? 'other' : 'lead';
    ds.lifecycle[i] = lifecycleIndex(stage);
    const owned = converted || life.meetings > 0 || life.calls > 0 || rng() < 0.6;
    ds.owner[i] = owned ? Math.floor(rng() * OWNERS.length) : MISSING;

    let modified = Math.max(created, life.lastEvent, converted, customer);
    if (modified > now) modified = now - MINUTE;
    ds.modifiedAt[i] = modified + Math.floor(rng() * 1000);
  }
  ds.rowEvStart[n] = ev.length;
  return ds;
}

interface Life {
  demo: boolean;
  pricingViews: number;
  meetingHeld: boolean;
  meetings: number;
  calls: number;
  clicks: number;
  forms: number;
  newsletterOnly: boolean;
  bounced: boolean;
  unsubscribed: boolean;
  lastKeyEvent: number;
  lastEvent: number;
}

function randomTime(rng: Rng, from: number, to: number): number {
  return Math.floor(from + rng() * Math.max(0, to - from));
}

function generateEngagement(
  ev: EventColumns,
  rng: Rng,
  row: number,
  created: number,
  now: number,
  interest: number,
  fit: number,
  k: number,
): Life {
  const life: Life = {
    demo: false,
    pricingViews: 0,
    meetingHeld: false,
    meetings: 0,
    calls: 0,
    clicks: 0,
    forms: 0,
    newsletterOnly: false,
    bounced: false,
    unsubscribed: false,
    lastKeyEvent: created,
    lastEvent: created,
  };
  const horizon = now - MINUTE;
  const months = Math.max(0.1, (horizon - created) / (30 * DAY));
  const mark = (t: number) => {
    if (t > life.lastEvent && t <= horizon) life.lastEvent = t;
  };

  // Forms: the first conversion often created the contact.
  const formDraws: Array<[number, number]> = [];
  if (rng() < 0.18) formDraws.push([0, created + MINUTE]);
  if (rng() < sigmoid(interest - 1.6)) formDraws.push([1, randomTime(rng, created, horizon)]);
  if (rng() < sigmoid(1.1 * interest + 0.7 * fit - 3.6))
    formDraws.push([2, randomTime(rng, created, horizon)]);
  if (rng() < 0.03) formDraws.push([3, randomTime(rng, created, horizon)]);
  if (rng() < sigmoid(interest - 2.4)) formDraws.push([4, randomTime(rng, created, horizon)]);
  for (const [form, t] of formDraws) {
    ev.push(t, row, EV.FORM, form, 0);
    life.forms++;
    mark(t);
    if (FORMS[form]!.kind === 'demo') {
      life.demo = true;
      life.lastKeyEvent = Math.max(life.lastKeyEvent, t);
    }
  }
  life.newsletterOnly = formDraws.length === 1 && formDraws[0]![0] === 0;

  // Marketing emails: campaigns every two weeks after the contact was created.
  const bouncer = rng() < 0.03;
  const nEmails = poisson(rng, k * 2.2 * Math.min(1.5, Math.max(0.4, months / 4)));
  let emailTimes: number[] = [];
  for (let e = 0; e < nEmails; e++) emailTimes.push(randomTime(rng, created + DAY, horizon));
  emailTimes = emailTimes.filter((t) => t < horizon).sort((a, b) => a - b);
  const openP = sigmoid(0.8 * interest - 0.5);
  const clickP = sigmoid(interest - 1.3);
  for (const t of emailTimes) {
    const campaign = Math.floor(t / (14 * DAY)) % CAMPAIGNS.length;
    ev.push(t, row, EV.SENT, campaign, 0);
    mark(t);
    if (bouncer) {
      ev.push(t + 2000, row, EV.BOUNCE, campaign, Math.floor(rng() * 2));
      life.bounced = true;
      mark(t + 2000);
      break;
    }
    const delivered = t + 1000 + Math.floor(rng() * 4000);
    ev.push(delivered, row, EV.DELIVERED, campaign, 0);
    mark(delivered);
    if (rng() < openP) {
      const opened = delivered + Math.floor(rng() * 2 * DAY);
      if (opened < horizon) ev.push(opened, row, EV.OPEN, campaign, 0);
      mark(opened);
      if (opened < horizon && rng() < clickP) {
        const linkIdx =
          rng() < sigmoid(interest - 0.5) * 0.5
            ? PRICING_PAGE
            : EMAIL_LINK_PAGES[Math.floor(rng() * EMAIL_LINK_PAGES.length)]!;
        const clicked = opened + Math.floor(rng() * 10 * MINUTE);
        if (clicked < horizon) {
          ev.push(clicked, row, EV.CLICK, campaign, linkIdx);
          life.clicks++;
          mark(clicked);
        }
      }
    }
    if (rng() < (interest < 0 ? 0.03 : 0.008)) {
      const u = delivered + Math.floor(rng() * 3 * DAY);
      if (u < horizon) {
        ev.push(u, row, EV.UNSUBSCRIBE, campaign, 0);
        life.unsubscribed = true;
        mark(u);
        break;
      }
    }
  }

  // Page views: more and higher-intent pages for interested contacts.
  const nViews = poisson(rng, k * 1.6 * Math.exp(0.45 * interest));
  const pageWeights = PAGES.map((p) => Math.max(0.05, 1 + p.intent * interest));
  for (let v = 0; v < nViews; v++) {
    const page = weighted(rng, pageWeights);
    const t = randomTime(rng, created, horizon);
    ev.push(t, row, EV.PAGE_VIEW, page, 0);
    mark(t);
    if (page === PRICING_PAGE || page === DEMO_PAGE) {
      life.pricingViews++;
      life.lastKeyEvent = Math.max(life.lastKeyEvent, t);
    }
  }

  // Meetings: after a demo request, or sales outreach to high-fit contacts.
  const demoForm = formDraws.find(([f]) => FORMS[f]!.kind === 'demo');
  const wantsMeeting = demoForm ? rng() < 0.75 : rng() < sigmoid(fit + 0.6 * interest - 4.2);
  if (wantsMeeting) {
    const base = demoForm ? demoForm[1] : randomTime(rng, created, horizon);
    const start = base + (1 + Math.floor(rng() * 5)) * DAY + 9 * 3_600_000;
    let outcome: number;
    if (start > now)
      outcome = 0; // SCHEDULED
    else {
      const r = rng();
      outcome = r < 0.78 ? 1 : r < 0.86 ? 3 : r < 0.94 ? 4 : 2;
    }
    const minutes = [30, 45, 60][Math.floor(rng() * 3)]!;
    // The engagement is logged when booked; hs_timestamp is the start time.
    ev.push(start, row, EV.MEETING, outcome, minutes);
    life.meetings++;
    if (outcome === 1) {
      life.meetingHeld = true;
      life.lastKeyEvent = Math.max(life.lastKeyEvent, start);
    }
    mark(Math.min(start, now - MINUTE));
  }

  // Calls: SDR outreach, more for high fit.
  const nCalls = poisson(rng, 0.15 + 0.35 * Math.max(0, fit) + (life.demo ? 0.8 : 0));
  for (let c = 0; c < nCalls; c++) {
    const t = randomTime(rng, created, horizon);
    const disp = rng() < 0.4 ? 0 : 1 + Math.floor(rng() * (CALL_DISPOSITIONS.length - 1));
    const seconds = disp === 0 ? 120 + Math.floor(rng() * 1500) : Math.floor(rng() * 40);
    ev.push(t, row, EV.CALL, disp, seconds);
    life.calls++;
    mark(t);
  }
  return life;
}

/** Contact ids are numeric strings, ascending with creation but not contiguous (like a real portal). */
export function contactIdForRow(row: number): string {
  return String(1001 + row * 50);
}

/** Inverse of contactIdForRow for base rows, or -1. */
export function rowForBaseContactId(id: string, n: number): number {
  if (!/^\d+$/.test(id)) return -1;
  const v = Number(id) - 1001;
  if (v < 0 || v % 50 !== 0) return -1;
  const row = v / 50;
  return row < n ? row : -1;
}

export function baseLifecycle(ds: Dataset, row: number): LifecycleStage {
  return LIFECYCLE_STAGES[ds.lifecycle[row]!] ?? 'lead';
}
