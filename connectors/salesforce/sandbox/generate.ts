import { pick, pickWeighted, seededRandom } from '../../../src/util/random.js';
import { makeId } from './ids.js';
import {
  CM_STATUSES,
  INDUSTRIES,
  LEAD_SOURCES,
  LEAD_STATUSES,
  type ObjectDef,
  OPP_STAGES,
  SCHEMAS,
  TASK_SUBTYPES,
} from './schema.js';
import { type Column, f64, type Getter, i32, Table, u8, u16, type Value } from './table.js';

const DAY = 86_400_000;

const FIRST = [
  'James',
  'Mary',
  'Robert',
  'Patricia',
  'John',
  'Jennifer',
  'Michael',
  'Linda',
  'David',
  'Elizabeth',
  'William',
  'Barbara',
  'Richard',
  'Susan',
  'Joseph',
  'Jessica',
  'Thomas',
  'Sarah',
  'Carlos',
  'Karen',
  'Priya',
  'Wei',
  'Aisha',
  'Mateo',
  'Sofia',
  'Lukas',
  'Emma',
  'Noah',
  'Olivia',
  'Liam',
  'Hiroshi',
  'Yuki',
  'Fatima',
  'Omar',
  'Ingrid',
  'Lars',
  'Chloe',
  'Lucas',
  'Anika',
  'Rahul',
  'Grace',
  'Daniel',
  'Zoe',
  'Ethan',
  'Amelia',
  'Mia',
  'Leon',
  'Nina',
  'Pedro',
  'Ana',
];
const LAST = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Hernandez',
  'Lopez',
  'Wilson',
  'Anderson',
  'Thomas',
  'Taylor',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Patel',
  'Chen',
  'Kim',
  'Nguyen',
  'Schmidt',
  'Muller',
  'Rossi',
  'Dubois',
  'Silva',
  'Kowalski',
  'Tanaka',
  'Sato',
  'Khan',
  'Ali',
  'Jensen',
  'Larsen',
  'Murphy',
  "O'Brien",
  'Walsh',
  'Fischer',
  'Weber',
  'Novak',
  'Costa',
  'Santos',
  'Cohen',
  'Singh',
  'Gupta',
  'Ivanova',
  'Berg',
  'Lindqvist',
];
const CO_A = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Stark',
  'Wayne',
  'Hooli',
  'Vandelay',
  'Soylent',
  'Cyberdyne',
  'Tyrell',
  'Wonka',
  'Aperture',
  'Nakatomi',
  'Oscorp',
  'Monarch',
  'Pied Piper',
  'Massive Dynamic',
  'Northwind',
  'Contoso',
  'Fabrikam',
  'Litware',
  'Tailspin',
  'Blue Yonder',
  'Proseware',
  'Adatum',
  'Woodgrove',
  'Lucerne',
  'Fourth Coffee',
  'Alpine',
];
const CO_B = [
  'Data',
  'Cloud',
  'Health',
  'Logistics',
  'Capital',
  'Systems',
  'Labs',
  'Analytics',
  'Media',
  'Energy',
  'Foods',
  'Robotics',
];
const CO_C = ['Inc', 'LLC', 'Ltd', 'GmbH', 'Corp', 'Group'];

/** Title, then how well its seniority fits a B2B buying committee (0..1). */
const TITLES: [string | null, number][] = [
  ['CEO', 0.85],
  ['CTO', 0.95],
  ['CFO', 0.7],
  ['VP of Marketing', 1],
  ['VP Sales', 1],
  ['VP Engineering', 0.9],
  ['Director of Marketing', 0.95],
  ['Director of Sales Operations', 0.95],
  ['Head of Growth', 0.9],
  ['Marketing Manager', 0.7],
  ['Sales Manager', 0.65],
  ['Product Manager', 0.55],
  ['Marketing Operations Manager', 0.75],
  ['Software Engineer', 0.3],
  ['Account Executive', 0.4],
  ['Marketing Coordinator', 0.35],
  ['Analyst', 0.3],
  ['Consultant', 0.3],
  ['Student', 0.03],
  ['Intern', 0.05],
  [null, 0.3],
];
const TITLE_WEIGHTS = [2, 1.5, 1, 3, 3, 2, 4, 3, 2, 6, 6, 5, 3, 8, 6, 5, 6, 5, 3, 2, 8];
const INDUSTRY_FIT = [1, 0.85, 0.55, 0.55, 0.45, 0.25, 0.2, 0.15, 0.6, 0.7, 0.75, 0.5];
const INDUSTRY_WEIGHTS = [10, 6, 6, 6, 5, 4, 3, 3, 3, 4, 3, 3];
const COUNTRIES = [
  'United States',
  'United Kingdom',
  'Canada',
  'Germany',
  'Australia',
  'France',
  'Netherlands',
  'India',
  'Brazil',
  'Spain',
  'Japan',
  'Singapore',
];
const COUNTRY_FIT = [1, 0.9, 0.9, 0.85, 0.8, 0.6, 0.7, 0.3, 0.3, 0.5, 0.5, 0.6];
const COUNTRY_WEIGHTS = [30, 10, 6, 7, 4, 5, 3, 10, 5, 4, 3, 2];
const SOURCE_WEIGHTS = [30, 8, 6, 10, 6, 10, 8, 10];
const FREEMAIL = ['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com'];
const EMAIL_SUBJECTS = [
  'Quick question',
  'Following up',
  'Intro call?',
  'Resources you asked for',
  'Next steps',
  'Checking in',
];
const LIST_SUBJECTS = [
  'Product newsletter',
  'Webinar invitation',
  'Quarterly update',
  'New feature launch',
  'Customer story',
];
const CALL_RESULTS = ['Left voicemail', 'No answer', 'Connected', 'Meeting booked', 'Wrong number'];
const MEETING_SUBJECTS = ['Discovery call', 'Product demo', 'Technical deep dive', 'Pricing discussion'];

/** Campaigns: name, Type, and what membership means. */
const CAMPAIGNS: [string, string, 'form' | 'webinar' | 'email'][] = [
  ['Website - Contact Us', 'Other', 'form'],
  ['Website - Demo Request', 'Other', 'form'],
  ['Content - State of Revenue Ops Report', 'Advertisement', 'form'],
  ['Content - Lead Scoring Playbook', 'Advertisement', 'form'],
  ['Webinar - Pipeline Analytics 101', 'Webinar', 'webinar'],
  ['Webinar - Forecasting Masterclass', 'Webinar', 'webinar'],
  ['Newsletter - Monthly', 'Email', 'email'],
  ['Trade Show - SaaStr', 'Trade Show', 'form'],
];

export interface GenerateOptions {
  seed: number;
  leads: number;
  contacts: number;
  /** Epoch ms the generated history ends at. */
  anchor: number;
  /** Conversion re-parents the lead's Tasks/Events to the new Contact (default true). */
  conversionMovesActivities?: boolean;
  /** Closed activities older than this many days are archived: hidden from query, visible to queryAll (default 365). */
  archiveDays?: number;
  /** Some leads get a system-only touch: SystemModstamp later than LastModifiedDate (default true). */
  systemTouches?: boolean;
}

export interface Org {
  tables: Map<string, Table>;
  /** Latent fit (0..1) and engagement counts per lead, for tests and the demo's ground truth. */
  leadTruth: {
    fit: Float64Array;
    meetings: Uint8Array;
    calls: Uint8Array;
    forms: Uint8Array;
    clicks: Uint8Array;
  };
  anchor: number;
  users: number;
}

function poisson(random: () => number, lambda: number): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = random();
  while (p > limit && k < 50) {
    k++;
    p *= random();
  }
  return k;
}

function sizeFit(employees: number): number {
  if (employees < 10) return 0.15;
  if (employees < 50) return 0.4;
  if (employees < 200) return 0.7;
  if (employees < 1000) return 1;
  if (employees < 5000) return 0.9;
  return 0.7;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '');
}

function schema(name: string): ObjectDef {
  const def = SCHEMAS.find((s) => s.name === name);
  if (!def) throw new Error(`no schema ${name}`);
  return def;
}

/** Deterministic org: the same seed, counts and anchor always give the same rows and ids. */
export function generateOrg(options: GenerateOptions): Org {
  const random = seededRandom(options.seed);
  const anchor = options.anchor;
  const USERS = 8;

  // Companies become Accounts; leads copy their firmographics (with realistic gaps).
  const companyCount = Math.max(40, Math.ceil((options.leads + options.contacts) / 5));
  const coName: string[] = [];
  const coDomain: string[] = [];
  const coIndustry = u8();
  const coEmployees = i32();
  const coCountry = u8();
  const coCreated = f64();
  const combos = CO_A.length * CO_B.length * CO_C.length;
  for (let k = 0; k < companyCount; k++) {
    const name = `${pick(random, CO_A)} ${pick(random, CO_B)} ${pick(random, CO_C)}`;
    coName.push(name);
    coDomain.push(`${slug(name)}${k >= combos / 4 ? k : ''}.com`);
    coIndustry.push(INDUSTRIES.indexOf(pickWeighted(random, INDUSTRIES, INDUSTRY_WEIGHTS)));
    coEmployees.push(Math.max(1, Math.round(Math.exp(random() * 9.5))));
    coCountry.push(COUNTRIES.indexOf(pickWeighted(random, COUNTRIES, COUNTRY_WEIGHTS)));
    coCreated.push(anchor - (400 + random() * 600) * DAY);
  }

  const people = options.leads + options.contacts;
  const P = people * 1.3 + 64;
  const T = people * 9 + 1024;
  const E = people * 0.6 + 256;
  const CM = people * 2.6 + 256;
  const EM = people * 3.8 + 256;
  // People: leads first (rows 0..leads-1), then standalone contacts, then contacts created by conversion.
  const first = u8(P);
  const last = u8(P);
  const title = u8(P);
  const company = i32(P);
  const emailStyle = u8(P);
  const source = u8(P);
  const status = u8(P);
  const owner = u8(P);
  const flags = u8(P); // 1 opted out, 2 no industry, 4 no size, 8 bounced, 16 deleted, 32 converted
  const created = f64(P);
  const modified = f64(P);
  const modstamp = f64(P);
  const lastActivity = f64(P);
  const master = i32(P);
  const convertedAt = f64(P);
  const convContact = i32(P);
  const convOpp = i32(P);
  const fitCol = f64(P);
  const meetingsCol = u8(P);
  const callsCol = u8(P);
  const formsCol = u8(P);
  const clicksCol = u8(P);

  // Contacts.
  const cPerson = i32(P); // index into the person columns above (lead row, or a standalone person row)
  const cAccount = i32(P);
  const cCreated = f64(P);
  const cModstamp = f64(P);
  const cFlags = u8(P);
  const cMaster = i32(P);

  // Opportunities.
  const oAccount = i32(P);
  const oContact = i32(P);
  const oCreated = f64(P);
  const oClose = f64(P);
  const oModstamp = f64(P);
  const oStage = u8(P);
  const oAmount = f64(P);
  const oPerson = i32(P);

  // Activities: who is (kind << 28 | row) with kind 0 = Lead, 1 = Contact.
  const tWho = i32(T);
  const tSubtype = u8(T);
  const tCreated = f64(T);
  const tDuration = u16(T);
  const tSubject = u8(T);
  const tOwner = u8(T);
  const eWho = i32(E);
  const eStart = f64(E);
  const eCreated = f64(E);
  const eMinutes = u16(E);
  const eSubject = u8(E);
  const eOwner = u8(E);
  const cmLead = i32(CM);
  const cmContact = i32(CM);
  const cmCampaign = u8(CM);
  const cmStatus = u8(CM);
  const cmCreated = f64(CM);
  const cmResponded = f64(CM);
  const emTask = i32(EM);
  const emOpened = f64(EM);
  const emLastOpened = f64(EM);
  const emClicked = f64(EM);

  const CONTACT = 1 << 28;
  const WHO_MASK = CONTACT - 1;

  interface Engagement {
    meetings: number;
    calls: number;
    connected: number;
    forms: number;
    attended: number;
    clicks: number;
    salesTouches: number;
    last: number;
    taskStart: number;
    eventStart: number;
    cmStart: number;
  }

  function engage(who: number, personRow: number, fit: number, from: number, until: number): Engagement {
    const eng = Math.min(1, 0.35 * fit + 0.65 * random() ** 1.5);
    const span = Math.max(DAY, until - from);
    const at = () => Math.min(until, from + random() * span);
    const result: Engagement = {
      meetings: 0,
      calls: 0,
      connected: 0,
      forms: 0,
      attended: 0,
      clicks: 0,
      salesTouches: 0,
      last: from,
      taskStart: tWho.length,
      eventStart: eWho.length,
      cmStart: cmLead.length,
    };
    const ownerIdx = owner.at(personRow);
    const touch = (t: number) => {
      if (t > result.last) result.last = t;
    };
    const emails = poisson(random, 0.8 + 4 * eng);
    for (let k = 0; k < emails; k++) {
      const t = at();
      const task = tWho.push(who);
      tSubtype.push(1);
      tCreated.push(t);
      tDuration.push(0);
      tSubject.push(Math.floor(random() * EMAIL_SUBJECTS.length));
      tOwner.push(ownerIdx);
      result.salesTouches++;
      touch(t);
      // Enhanced Email: every logged email is an EmailMessage; opens and clicks land on its tracking fields.
      emTask.push(task);
      if (random() < 0.12 + 0.6 * eng) {
        const opened = t + random() * 2 * DAY;
        emOpened.push(Math.min(opened, anchor));
        emLastOpened.push(Math.min(opened + random() * 5 * DAY, anchor));
        if (random() < 0.05 + 0.45 * eng) {
          emClicked.push(Math.min(opened + random() * 3600_000, anchor));
          result.clicks++;
        } else emClicked.push(Number.NaN);
      } else {
        emOpened.push(Number.NaN);
        emLastOpened.push(Number.NaN);
        emClicked.push(Number.NaN);
      }
    }
    const listEmails = poisson(random, 2.5);
    for (let k = 0; k < listEmails; k++) {
      tWho.push(who);
      tSubtype.push(2);
      tCreated.push(at());
      tDuration.push(0);
      tSubject.push(Math.floor(random() * LIST_SUBJECTS.length));
      tOwner.push(ownerIdx);
    }
    const calls = poisson(random, 0.2 + 2.5 * eng * Math.sqrt(fit));
    for (let k = 0; k < calls; k++) {
      const t = at();
      const connected = random() < 0.3 + 0.5 * eng;
      tWho.push(who);
      tSubtype.push(4);
      tCreated.push(t);
      tDuration.push(connected ? 120 + Math.floor(random() * 1500) : Math.floor(random() * 40));
      tSubject.push(connected ? (random() < 0.4 ? 3 : 2) : Math.floor(random() * 2));
      tOwner.push(ownerIdx);
      result.calls++;
      if (connected) result.connected++;
      result.salesTouches++;
      touch(t);
    }
    const meetings = poisson(random, 0.03 + 1.6 * eng * fit * fit);
    for (let k = 0; k < meetings; k++) {
      const t = at();
      eWho.push(who);
      eCreated.push(t);
      eStart.push(Math.min(t + (1 + random() * 6) * DAY, anchor));
      eMinutes.push(pick(random, [30, 30, 45, 60]));
      eSubject.push(Math.floor(random() * MEETING_SUBJECTS.length));
      eOwner.push(ownerIdx);
      result.meetings++;
      touch(t);
    }
    const forms = poisson(random, 0.15 + 1.4 * eng);
    const joined = new Set<number>();
    for (let k = 0; k < forms; k++) {
      const campaign = pick(random, [0, 1, 2, 3, 7]);
      if (joined.has(campaign)) continue;
      joined.add(campaign);
      const t = at();
      cmLead.push(who & CONTACT ? -1 : who);
      cmContact.push(who & CONTACT ? who & WHO_MASK : -1);
      cmCampaign.push(campaign);
      cmStatus.push(1);
      cmCreated.push(t);
      cmResponded.push(t);
      result.forms++;
      touch(t);
    }
    const webinars = poisson(random, 0.1 + 0.9 * eng);
    for (let k = 0; k < webinars && k < 2; k++) {
      const campaign = 4 + k;
      const t = at();
      const attended = random() < 0.3 + 0.5 * eng;
      cmLead.push(who & CONTACT ? -1 : who);
      cmContact.push(who & CONTACT ? who & WHO_MASK : -1);
      cmCampaign.push(campaign);
      cmStatus.push(attended ? 3 : 2);
      cmCreated.push(t);
      cmResponded.push(attended ? Math.min(anchor, t + 3 * DAY) : Number.NaN);
      if (attended) result.attended++;
      touch(t);
    }
    if (random() < 0.6) {
      cmLead.push(who & CONTACT ? -1 : who);
      cmContact.push(who & CONTACT ? who & WHO_MASK : -1);
      cmCampaign.push(6);
      cmStatus.push(0);
      cmCreated.push(at());
      cmResponded.push(Number.NaN);
    }
    return result;
  }

  function person(createdAt: number, companyRow: number): { row: number; fit: number } {
    const row = first.push(Math.floor(random() * FIRST.length));
    last.push(Math.floor(random() * LAST.length));
    const titleIdx = TITLES.indexOf(pickWeighted(random, TITLES, TITLE_WEIGHTS));
    title.push(titleIdx);
    company.push(companyRow);
    emailStyle.push(random() < 0.12 ? 2 : random() < 0.7 ? 0 : 1);
    source.push(LEAD_SOURCES.indexOf(pickWeighted(random, LEAD_SOURCES, SOURCE_WEIGHTS)));
    owner.push(1 + Math.floor(random() * (USERS - 1)));
    let f = 0;
    if (random() < 0.04) f |= 1;
    if (random() < 0.15) f |= 2;
    if (random() < 0.3) f |= 4;
    if (random() < 0.02) f |= 8;
    flags.push(f);
    created.push(createdAt);
    const fit =
      0.3 * (INDUSTRY_FIT[coIndustry.at(companyRow)] as number) +
      0.3 * (TITLES[titleIdx]?.[1] as number) +
      0.25 * sizeFit(coEmployees.at(companyRow)) +
      0.15 * (COUNTRY_FIT[coCountry.at(companyRow)] as number);
    const noisy = Math.min(1, Math.max(0, fit + (random() - 0.5) * 0.1));
    fitCol.push(noisy);
    status.push(0);
    modified.push(createdAt);
    modstamp.push(createdAt);
    lastActivity.push(Number.NaN);
    master.push(-1);
    convertedAt.push(Number.NaN);
    convContact.push(-1);
    convOpp.push(-1);
    meetingsCol.push(0);
    callsCol.push(0);
    formsCol.push(0);
    clicksCol.push(0);
    return { row, fit: noisy };
  }

  function newContact(personRow: number, createdAt: number): number {
    const row = cPerson.push(personRow);
    cAccount.push(company.at(personRow));
    cCreated.push(createdAt);
    cModstamp.push(createdAt);
    cFlags.push(flags.at(personRow) & 9);
    cMaster.push(-1);
    return row;
  }

  function recordEngagement(row: number, e: Engagement): void {
    meetingsCol.put(row, Math.min(255, e.meetings));
    callsCol.put(row, Math.min(255, e.connected));
    formsCol.put(row, Math.min(255, e.forms));
    clicksCol.put(row, Math.min(255, e.clicks));
    if (e.last > created.at(row)) lastActivity.put(row, e.last);
  }

  for (let i = 0; i < options.leads; i++) {
    const createdAt = anchor - 420 * DAY * random() ** 1.2;
    const { row, fit } = person(createdAt, Math.floor(random() * companyCount));
    // About 1% of leads are merge losers: their activities already sit on the surviving lead.
    const mergeInto = i > 20 && random() < 0.01 ? Math.floor(random() * i) : -1;
    const who = mergeInto >= 0 && (flags.at(mergeInto) & 48) === 0 ? mergeInto : row;
    const e = engage(who, row, fit, createdAt, anchor);
    recordEngagement(row, e);
    const age = anchor - createdAt;
    const z =
      -5.9 +
      3.8 * fit +
      1.1 * Math.min(e.meetings, 3) +
      0.35 * Math.min(e.connected, 4) +
      0.45 * Math.min(e.forms, 3) +
      0.5 * Math.min(e.attended, 2) +
      0.15 * Math.min(e.clicks, 4);
    const converts = who === row && age > 14 * DAY && random() < 1 / (1 + Math.exp(-z));
    let lastMod = createdAt + random() * Math.min(age, 30 * DAY);
    if (converts) {
      const at = Math.min(anchor - DAY, e.last + (1 + random() * 10) * DAY);
      convertedAt.put(row, at);
      status.put(row, 2);
      flags.put(row, flags.at(row) | 32);
      const contactRow = newContact(row, at);
      convContact.put(row, contactRow);
      // Conversion moves the lead's activities to the new contact and stamps CampaignMember.ContactId.
      if (options.conversionMovesActivities !== false) {
        for (let t = e.taskStart; t < tWho.length; t++) tWho.put(t, CONTACT | contactRow);
        for (let t = e.eventStart; t < eWho.length; t++) eWho.put(t, CONTACT | contactRow);
      }
      for (let t = e.cmStart; t < cmLead.length; t++) cmContact.put(t, contactRow);
      const won = at < anchor - 45 * DAY ? random() < 0.3 + 0.6 * fit : false;
      const closed = won || (at < anchor - 45 * DAY && random() < 0.7);
      const opp = oAccount.push(company.at(row));
      oContact.push(contactRow);
      oCreated.push(at);
      const close = at + (20 + random() * 70) * DAY;
      // A closed deal's CloseDate is when it closed (not in the future), and closing it moved its SystemModstamp.
      oClose.push(closed ? Math.min(close, anchor - DAY) : close);
      oModstamp.push(closed ? Math.max(at, Math.min(close, anchor - DAY)) : at);
      oStage.push(closed ? (won ? 6 : 7) : Math.floor(random() * 6));
      oAmount.push(Math.round((5 + random() * 95) * fit * 1000) * 10);
      oPerson.push(row);
      convOpp.put(row, opp);
      lastMod = at;
    } else if (e.salesTouches > 0) {
      status.put(row, age > 120 * DAY && random() < 0.35 ? 3 : 1);
      lastMod = Math.max(lastMod, Math.min(anchor, e.last));
    }
    modified.put(row, lastMod);
    // A system-only touch (e.g. LastActivityDate roll-up) moves SystemModstamp but not LastModifiedDate.
    modstamp.put(
      row,
      random() < 0.2 && options.systemTouches !== false
        ? Math.min(anchor, Math.max(lastMod, e.last))
        : lastMod,
    );
    if (mergeInto >= 0 && who === mergeInto) {
      const at = anchor - random() * 20 * DAY;
      master.put(row, mergeInto);
      flags.put(row, flags.at(row) | 16);
      modstamp.put(row, Math.max(at, createdAt));
      modified.put(row, Math.max(at, createdAt));
      modstamp.put(mergeInto, Math.max(modstamp.at(mergeInto), at));
      modified.put(mergeInto, Math.max(modified.at(mergeInto), at));
    } else if (!converts && random() < 0.005) {
      const at = Math.max(createdAt, anchor - random() * 25 * DAY);
      flags.put(row, flags.at(row) | 16);
      modstamp.put(row, at);
    }
  }

  const standalone: number[] = [];
  for (let i = 0; i < options.contacts; i++) {
    const createdAt = anchor - 500 * DAY * random() ** 1.1;
    const { row, fit } = person(createdAt, Math.floor(random() * companyCount));
    const contactRow = newContact(row, createdAt);
    // About 1% of contacts are merge losers; their activities sit on the surviving contact.
    const mergeInto =
      i > 20 && random() < 0.01 ? (standalone[Math.floor(random() * standalone.length)] as number) : -1;
    const e = engage(CONTACT | (mergeInto >= 0 ? mergeInto : contactRow), row, fit * 0.9, createdAt, anchor);
    recordEngagement(row, e);
    cModstamp.put(contactRow, Math.floor(Math.min(anchor, createdAt + random() * (anchor - createdAt))));
    if (mergeInto >= 0) {
      const at = Math.max(createdAt, anchor - random() * 20 * DAY);
      cMaster.put(contactRow, mergeInto);
      cFlags.put(contactRow, cFlags.at(contactRow) | 16);
      cModstamp.put(contactRow, at);
      cModstamp.put(mergeInto, Math.max(cModstamp.at(mergeInto), at));
    } else {
      standalone.push(contactRow);
    }
  }

  // Salesforce stores datetimes to the millisecond but UI and API writes land on whole seconds.
  for (const col of [
    coCreated,
    created,
    modified,
    modstamp,
    lastActivity,
    convertedAt,
    cCreated,
    cModstamp,
    oCreated,
    oClose,
    oModstamp,
    tCreated,
    eStart,
    eCreated,
    cmCreated,
    cmResponded,
    emOpened,
    emLastOpened,
    emClicked,
  ]) {
    for (let r = 0; r < col.length; r++) col.put(r, Math.floor(col.at(r) / 1000) * 1000);
  }

  const archiveBefore = anchor - (options.archiveDays ?? 365) * DAY;
  const leadCount = options.leads;
  const users = USERS;
  const userId = (idx: number) => makeId('005', idx);
  const personName = (p: number) => `${FIRST[first.at(p)]} ${LAST[last.at(p)]}`;
  const email = (p: number): string => {
    const f = (FIRST[first.at(p)] as string).toLowerCase();
    const l = (LAST[last.at(p)] as string).toLowerCase().replace(/[^a-z]/g, '');
    const style = emailStyle.at(p);
    if (style === 2) return `${f}.${l}${p % 997}@${FREEMAIL[p % FREEMAIL.length]}`;
    const domain = coDomain[company.at(p)];
    return style === 0 ? `${f}.${l}@${domain}` : `${f[0]}${l}@${domain}`;
  };
  const nanNull = (v: number): Value => (Number.isNaN(v) ? null : v);
  const day = (v: number): Value => (Number.isNaN(v) ? null : Math.floor(v / DAY) * DAY);
  const ref = (prefix: string, row: number): Value => (row < 0 ? null : makeId(prefix, row));
  const whoId = (w: number): string => (w & CONTACT ? makeId('003', w & WHO_MASK) : makeId('00Q', w));

  const sys = (
    createdCol: Column<Float64Array>,
    mod: Column<Float64Array>,
    stamp: Column<Float64Array>,
    ownerOf: (r: number) => number,
  ) => ({
    CreatedDate: (r: number) => createdCol.at(r),
    CreatedById: (r: number) => userId(ownerOf(r)),
    LastModifiedDate: (r: number) => mod.at(r),
    LastModifiedById: (r: number) => userId(ownerOf(r)),
    SystemModstamp: (r: number) => stamp.at(r),
  });

  const tables = new Map<string, Table>();
  const add = (name: string, rows: number, getters: Record<string, Getter>) =>
    tables.set(name, new Table(schema(name), rows, getters));

  add('Lead', leadCount, {
    ...sys(created, modified, modstamp, (r) => owner.at(r)),
    IsDeleted: (r) => (flags.at(r) & 16) !== 0,
    MasterRecordId: (r) => ref('00Q', master.at(r)),
    FirstName: (r) => FIRST[first.at(r)] as string,
    LastName: (r) => LAST[last.at(r)] as string,
    Name: personName,
    Title: (r) => TITLES[title.at(r)]?.[0] ?? null,
    Company: (r) => coName[company.at(r)] as string,
    Country: (r) => COUNTRIES[coCountry.at(company.at(r))] as string,
    Email: email,
    Website: (r) => (emailStyle.at(r) === 2 ? null : `www.${coDomain[company.at(r)]}`),
    LeadSource: (r) => LEAD_SOURCES[source.at(r)] as string,
    Status: (r) => LEAD_STATUSES[status.at(r)] as string,
    Industry: (r) => (flags.at(r) & 2 ? null : (INDUSTRIES[coIndustry.at(company.at(r))] as string)),
    NumberOfEmployees: (r) => (flags.at(r) & 4 ? null : coEmployees.at(company.at(r))),
    OwnerId: (r) => userId(owner.at(r)),
    HasOptedOutOfEmail: (r) => (flags.at(r) & 1) !== 0,
    IsConverted: (r) => (flags.at(r) & 32) !== 0,
    ConvertedDate: (r) => day(convertedAt.at(r)),
    ConvertedAccountId: (r) => (flags.at(r) & 32 ? makeId('001', company.at(r)) : null),
    ConvertedContactId: (r) => ref('003', convContact.at(r)),
    ConvertedOpportunityId: (r) => ref('006', convOpp.at(r)),
    IsUnreadByOwner: () => false,
    LastActivityDate: (r) => day(lastActivity.at(r)),
    EmailBouncedReason: (r) => (flags.at(r) & 8 ? '550 5.1.1 User unknown' : null),
    EmailBouncedDate: (r) => (flags.at(r) & 8 ? created.at(r) + 2 * DAY : null),
  });

  const cp = (r: number) => cPerson.at(r);
  add('Contact', cPerson.length, {
    ...sys(cCreated, cModstamp, cModstamp, (r) => owner.at(cp(r))),
    IsDeleted: (r) => (cFlags.at(r) & 16) !== 0,
    MasterRecordId: (r) => ref('003', cMaster.at(r)),
    AccountId: (r) => makeId('001', cAccount.at(r)),
    FirstName: (r) => FIRST[first.at(cp(r))] as string,
    LastName: (r) => LAST[last.at(cp(r))] as string,
    Name: (r) => personName(cp(r)),
    MailingCountry: (r) => COUNTRIES[coCountry.at(cAccount.at(r))] as string,
    Email: (r) => email(cp(r)),
    Title: (r) => TITLES[title.at(cp(r))]?.[0] ?? null,
    LeadSource: (r) => LEAD_SOURCES[source.at(cp(r))] as string,
    OwnerId: (r) => userId(owner.at(cp(r))),
    HasOptedOutOfEmail: (r) => (cFlags.at(r) & 1) !== 0,
    LastActivityDate: (r) => day(lastActivity.at(cp(r))),
    EmailBouncedReason: (r) => (cFlags.at(r) & 8 ? '550 5.1.1 User unknown' : null),
    EmailBouncedDate: (r) => (cFlags.at(r) & 8 ? cCreated.at(r) + 2 * DAY : null),
  });

  add('Account', companyCount, {
    ...sys(coCreated, coCreated, coCreated, (r) => 1 + (r % (USERS - 1))),
    IsDeleted: () => false,
    Name: (r) => coName[r] as string,
    Type: () => 'Prospect',
    BillingCountry: (r) => COUNTRIES[coCountry.at(r)] as string,
    Website: (r) => `www.${coDomain[r]}`,
    Industry: (r) => INDUSTRIES[coIndustry.at(r)] as string,
    NumberOfEmployees: (r) => coEmployees.at(r),
    OwnerId: (r) => userId(1 + (r % (USERS - 1))),
  });

  add('Opportunity', oAccount.length, {
    ...sys(oCreated, oModstamp, oModstamp, (r) => owner.at(oPerson.at(r))),
    IsDeleted: () => false,
    AccountId: (r) => makeId('001', oAccount.at(r)),
    ContactId: (r) => makeId('003', oContact.at(r)),
    Name: (r) => `${coName[oAccount.at(r)]} - New Business`,
    StageName: (r) => OPP_STAGES[oStage.at(r)] as string,
    Amount: (r) => oAmount.at(r),
    Probability: (r) => [10, 20, 25, 40, 60, 80, 100, 0][oStage.at(r)] as number,
    CloseDate: (r) => day(oClose.at(r)),
    IsClosed: (r) => oStage.at(r) >= 6,
    IsWon: (r) => oStage.at(r) === 6,
    LeadSource: (r) => LEAD_SOURCES[source.at(oPerson.at(r))] as string,
    OwnerId: (r) => userId(owner.at(oPerson.at(r))),
  });

  add('Task', tWho.length, {
    ...sys(tCreated, tCreated, tCreated, (r) => tOwner.at(r)),
    IsDeleted: () => false,
    WhoId: (r) => whoId(tWho.at(r)),
    Subject: (r) => {
      const s = tSubtype.at(r);
      if (s === 1) return `Email: ${EMAIL_SUBJECTS[tSubject.at(r)]}`;
      if (s === 2) return `List Email: ${LIST_SUBJECTS[tSubject.at(r)]}`;
      return `Call: ${CALL_RESULTS[tSubject.at(r)]}`;
    },
    ActivityDate: (r) => day(tCreated.at(r)),
    Status: () => 'Completed',
    Priority: () => 'Normal',
    OwnerId: (r) => userId(tOwner.at(r)),
    IsClosed: () => true,
    TaskSubtype: (r) => TASK_SUBTYPES[tSubtype.at(r)] as string,
    CallType: (r) => (tSubtype.at(r) === 4 ? 'Outbound' : null),
    CallDurationInSeconds: (r) => (tSubtype.at(r) === 4 ? tDuration.at(r) : null),
    CallDisposition: (r) => (tSubtype.at(r) === 4 ? (CALL_RESULTS[tSubject.at(r)] as string) : null),
    CompletedDateTime: (r) => tCreated.at(r),
    IsArchived: (r) => tCreated.at(r) < archiveBefore,
  });

  add('Event', eWho.length, {
    ...sys(eCreated, eCreated, eCreated, (r) => eOwner.at(r)),
    IsDeleted: () => false,
    WhoId: (r) => whoId(eWho.at(r)),
    Subject: (r) => MEETING_SUBJECTS[eSubject.at(r)] as string,
    ActivityDate: (r) => day(eStart.at(r)),
    ActivityDateTime: (r) => eStart.at(r),
    StartDateTime: (r) => eStart.at(r),
    EndDateTime: (r) => eStart.at(r) + eMinutes.at(r) * 60_000,
    DurationInMinutes: (r) => eMinutes.at(r),
    IsAllDayEvent: () => false,
    OwnerId: (r) => userId(eOwner.at(r)),
    IsArchived: (r) => eStart.at(r) + eMinutes.at(r) * 60_000 < archiveBefore,
  });

  const campaignCreated = anchor - 500 * DAY;
  add('Campaign', CAMPAIGNS.length, {
    CreatedDate: () => campaignCreated,
    CreatedById: () => userId(0),
    LastModifiedDate: () => campaignCreated,
    LastModifiedById: () => userId(0),
    SystemModstamp: () => campaignCreated,
    IsDeleted: () => false,
    Name: (r) => CAMPAIGNS[r]?.[0] as string,
    Type: (r) => CAMPAIGNS[r]?.[1] as string,
    Status: () => 'In Progress',
    StartDate: () => campaignCreated,
    IsActive: () => true,
    OwnerId: () => userId(1),
  });

  add('CampaignMember', cmLead.length, {
    ...sys(cmCreated, cmCreated, cmCreated, () => 0),
    IsDeleted: () => false,
    CampaignId: (r) => makeId('701', cmCampaign.at(r)),
    LeadId: (r) => ref('00Q', cmLead.at(r)),
    ContactId: (r) => ref('003', cmContact.at(r)),
    Status: (r) => CM_STATUSES[cmStatus.at(r)] as string,
    HasResponded: (r) => cmStatus.at(r) === 1 || cmStatus.at(r) === 3,
    FirstRespondedDate: (r) => day(cmResponded.at(r)),
    HasOptedOutOfEmail: () => false,
  });

  add('EmailMessage', emTask.length, {
    CreatedDate: (r) => tCreated.at(emTask.at(r)),
    CreatedById: (r) => userId(tOwner.at(emTask.at(r))),
    LastModifiedDate: (r) => tCreated.at(emTask.at(r)),
    LastModifiedById: (r) => userId(tOwner.at(emTask.at(r))),
    SystemModstamp: (r) => {
      const opened = emLastOpened.at(r);
      return Number.isNaN(opened)
        ? tCreated.at(emTask.at(r))
        : Math.max(opened, nanNull(emClicked.at(r)) as number);
    },
    IsDeleted: () => false,
    ActivityId: (r) => makeId('00T', emTask.at(r)),
    Subject: (r) => EMAIL_SUBJECTS[tSubject.at(emTask.at(r))] as string,
    FromAddress: (r) => `user${tOwner.at(emTask.at(r))}@sandbox-org.example.com`,
    ToAddress: (r) => {
      const w = tWho.at(emTask.at(r));
      return w & CONTACT
        ? (tables.get('Contact') as Table).get(w & WHO_MASK, 'Email')
        : (tables.get('Lead') as Table).get(w, 'Email');
    },
    MessageDate: (r) => tCreated.at(emTask.at(r)),
    Status: () => '3',
    Incoming: () => false,
    IsTracked: () => true,
    IsBounced: () => false,
    HasReply: () => false,
    FirstOpenedDate: (r) => nanNull(emOpened.at(r)),
    LastOpenedDate: (r) => nanNull(emLastOpened.at(r)),
    FirstLinkClickedDate: (r) => nanNull(emClicked.at(r)),
  });

  const userCreated = anchor - 900 * DAY;
  add('User', users, {
    CreatedDate: () => userCreated,
    CreatedById: () => userId(0),
    LastModifiedDate: () => userCreated,
    LastModifiedById: () => userId(0),
    SystemModstamp: () => userCreated,
    IsDeleted: () => false,
    Username: (r) => (r === 0 ? 'integration@sandbox-org.example.com' : `user${r}@sandbox-org.example.com`),
    FirstName: (r) => (r === 0 ? 'Integration' : (FIRST[(r * 7) % FIRST.length] as string)),
    LastName: (r) => (r === 0 ? 'User' : (LAST[(r * 11) % LAST.length] as string)),
    Name: (r) =>
      r === 0 ? 'Integration User' : `${FIRST[(r * 7) % FIRST.length]} ${LAST[(r * 11) % LAST.length]}`,
    Email: (r) => `user${r}@sandbox-org.example.com`,
    IsActive: () => true,
  });

  const slice = <T extends Float64Array | Uint8Array>(c: Column<T>): T => c.data.slice(0, leadCount) as T;
  return {
    tables,
    leadTruth: {
      fit: slice(fitCol),
      meetings: slice(meetingsCol),
      calls: slice(callsCol),
      forms: slice(formsCol),
      clicks: slice(clicksCol),
    },
    anchor,
    users,
  };
}

export { DAY };
