import type { SandboxBehaviours } from './behaviours.js';
import { validationError } from './errors.js';
import { EV, type EventKind } from './generator.js';
import {
  BOUNCE_CATEGORIES,
  CALL_DISPOSITIONS,
  CAMPAIGNS,
  COUNTRIES,
  FORMS,
  MEETING_OUTCOMES,
  OWNERS,
  PAGES,
  SITE,
} from './pools.js';
import { uuidFor } from './prng.js';
import { engagementPropertyDefinitions, type PropertyDefinition } from './properties.js';
import type { SearchSource } from './search.js';
import { type ContactStore, iso } from './store.js';

/**
 * Engagement as HubSpot exposes it: marketing email events (v1), form submissions (v1), web analytics events
 * (v3, Enterprise), meetings and calls (CRM v3 objects), subscription status (v3). See ../BEHAVIOR.md.
 */

export const ENGAGEMENT_ID_BASE = 40_000_000_000;
const EMAIL_KINDS = new Set<number>([EV.SENT, EV.DELIVERED, EV.OPEN, EV.CLICK, EV.BOUNCE, EV.UNSUBSCRIBE]);
const PORTAL_SUB_ID = 9_912_345;
export const SUBSCRIPTIONS = [
  {
    id: '9912345',
    name: 'Marketing Information',
    description: 'Marketing offers and updates.',
    purpose: 'Marketing',
  },
  { id: '9912346', name: 'One to One', description: 'One to one emails.', purpose: 'Sales' },
] as const;

const encodeCursor = (n: number) => Buffer.from(String(n)).toString('base64url');
function decodeCursor(s: string | null): number {
  if (!s) return 0;
  const n = Number(Buffer.from(s, 'base64url').toString());
  if (!Number.isInteger(n) || n < 0) throw validationError(`Invalid paging token ${s}`);
  return n;
}

function clampLimit(raw: string | null, def: number, max: number): number {
  if (raw === null || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw validationError(`Invalid limit ${raw}`);
  return Math.min(n, max);
}

export class Engagement {
  private sortedByTime: Uint32Array | undefined;
  private sortedVersion = -1;
  private engagementRows: Record<'meetings' | 'calls', Uint32Array | undefined> = {
    meetings: undefined,
    calls: undefined,
  };
  readonly defs: Record<'meetings' | 'calls', Map<string, PropertyDefinition>>;
  version = 0;

  constructor(
    private readonly store: ContactStore,
    private readonly b: SandboxBehaviours,
    private readonly now: () => number,
    private readonly portalId: number,
  ) {
    this.defs = {
      meetings: new Map(engagementPropertyDefinitions('meetings').map((d) => [d.name, d])),
      calls: new Map(engagementPropertyDefinitions('calls').map((d) => [d.name, d])),
    };
  }

  private get ev() {
    return this.store.ds.events;
  }

  /** Adds an event for a contact row (control API); updates the contact's rollups and lastmodifieddate. */
  addEvent(row: number, kind: EventKind, time: number, attr = 0, aux = 0): number {
    const idx = this.ev.push(time, row, kind, attr, aux);
    const list = this.store.extraEvents.get(row) ?? [];
    list.push(idx);
    this.store.extraEvents.set(row, list);
    this.store.invalidateRollup(row);
    this.store.touch(this.store.survivor(row));
    this.version++;
    this.engagementRows = { meetings: undefined, calls: undefined };
    return idx;
  }

  /** Event indexes sorted by time ascending (ties by index). */
  private byTime(): Uint32Array {
    if (this.sortedByTime && this.sortedVersion === this.version) return this.sortedByTime;
    const n = this.ev.length;
    const SHIFT = 2 ** 22;
    let out: Uint32Array;
    if (n < SHIFT) {
      // Pack (second, index) into one double (exact below 2^53) and sort natively: ~10x faster than a comparator.
      const keys = new Float64Array(n);
      for (let i = 0; i < n; i++) keys[i] = Math.floor((this.ev.time[i] as number) / 1000) * SHIFT + i;
      keys.sort();
      out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = (keys[i] as number) % SHIFT;
      // Exact millisecond order inside each (short) run of one second.
      const time = this.ev.time;
      for (let i = 1; i < n; i++) {
        const x = out[i] as number;
        let j = i - 1;
        while (j >= 0 && (time[out[j] as number] as number) > (time[x] as number)) {
          out[j + 1] = out[j] as number;
          j--;
        }
        out[j + 1] = x;
      }
    } else {
      const time = this.ev.time;
      out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = i;
      out.sort((a, c) => (time[a] as number) - (time[c] as number) || a - c);
    }
    this.sortedByTime = out;
    this.sortedVersion = this.version;
    return out;
  }

  private eventUuid(idx: number): string {
    return uuidFor(this.store.ds.seed ^ 0xe7e7, idx);
  }

  /** In newest-first order over time-ascending `sorted`, the first position whose time is <= t. */
  private firstPosAtOrBefore(sorted: ArrayLike<number>, t: number): number {
    if (!Number.isFinite(t)) return 0;
    // Count the entries with time > t: they are at the end of the ascending array.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ev.time[sorted[mid] as number] as number) <= t) lo = mid + 1;
      else hi = mid;
    }
    return sorted.length - lo;
  }

  /** In ascending order, the first position whose time is >= t. */
  private firstPosAtOrAfter(sorted: ArrayLike<number>, t: number): number {
    if (!Number.isFinite(t)) return 0;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ev.time[sorted[mid] as number] as number) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  // ---------- marketing email events v1 ----------

  private emailType(kind: number): string {
    switch (kind) {
      case EV.SENT:
        return 'SENT';
      case EV.DELIVERED:
        return 'DELIVERED';
      case EV.OPEN:
        return 'OPEN';
      case EV.CLICK:
        return 'CLICK';
      case EV.BOUNCE:
        return 'BOUNCE';
      default:
        return 'STATUSCHANGE';
    }
  }

  private emailEvent(idx: number): Record<string, unknown> {
    const ev = this.ev;
    const row = ev.row[idx] as number;
    const kind = ev.kind[idx] as number;
    const campaign = CAMPAIGNS[ev.attr[idx] as number] ?? CAMPAIGNS[0]!;
    const created = ev.time[idx] as number;
    const country = COUNTRIES[this.store.ds.country[row] ?? 0] ?? COUNTRIES[0]!;
    const out: Record<string, unknown> = {
      appName: 'BatchEmail',
      location: { country: country.name.toUpperCase(), state: '', city: country.city.toLowerCase() },
      id: this.eventUuid(idx),
      created,
      type: this.emailType(kind),
      recipient: this.store.get(row, 'email'),
      portalId: this.portalId,
      appId: 113,
      emailCampaignId: campaign.id,
      sentBy: { id: this.eventUuid(idx ^ 0x5e), created: created - (kind === EV.SENT ? 0 : 2000) },
    };
    if (kind === EV.SENT) {
      out.subject = campaign.subject;
      out.from = 'Leadscore Demo Co. <news@leadscore-demo.example>';
    }
    if (kind === EV.OPEN || kind === EV.CLICK) {
      out.userAgent = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15';
      out.browser = {
        name: 'Safari',
        family: 'Safari',
        producer: 'Apple Inc.',
        type: 'Browser',
        version: ['17.0'],
      };
      out.deviceType = 'COMPUTER';
      out.filteredEvent = false;
    }
    if (kind === EV.CLICK) {
      const page = PAGES[ev.aux[idx] as number] ?? PAGES[0]!;
      out.url = `${SITE}${page.path}?utm_source=hs_email&utm_medium=email&utm_campaign=${encodeURIComponent(campaign.name)}`;
      out.referer = '';
    }
    if (kind === EV.BOUNCE) {
      const cat = BOUNCE_CATEGORIES[ev.aux[idx] as number] ?? 'UNKNOWN_USER';
      out.category = cat;
      out.response =
        cat === 'UNKNOWN_USER'
          ? '550 5.1.1 The email account that you tried to reach does not exist.'
          : '552 5.2.2 Mailbox full';
      out.status = '5.1.1';
    }
    if (kind === EV.UNSUBSCRIBE) {
      out.subscriptions = [{ id: PORTAL_SUB_ID, status: 'UNSUBSCRIBED' }];
      out.portalSubscriptionStatus = 'UNSUBSCRIBED';
      out.source = 'SOURCE_RECIPIENT';
      out.requestedBy = out.recipient;
      out.changeType = 'SUBSCRIPTION';
    }
    return out;
  }

  /** GET /email/public/v1/events: newest first, opaque offset, hasMore. */
  emailEvents(q: URLSearchParams): Record<string, unknown> {
    const limit = clampLimit(q.get('limit'), 10, this.b.emailEventsMaxLimit);
    const start = q.get('startTimestamp') ? Number(q.get('startTimestamp')) : Number.NEGATIVE_INFINITY;
    const end = q.get('endTimestamp') ? Number(q.get('endTimestamp')) : Number.POSITIVE_INFINITY;
    const type = q.get('eventType');
    const campaignId = q.get('campaignId') ? Number(q.get('campaignId')) : undefined;
    const recipient = q.get('recipient')?.toLowerCase();
    const offset = decodeCursor(q.get('offset'));
    const now = this.now();
    const matches = (idx: number): boolean => {
      const kind = this.ev.kind[idx] as number;
      if (!EMAIL_KINDS.has(kind)) return false;
      const t = this.ev.time[idx] as number;
      if (t > now || t < start || t > end) return false;
      if (type && this.emailType(kind) !== type) return false;
      if (campaignId !== undefined && CAMPAIGNS[this.ev.attr[idx] as number]?.id !== campaignId) return false;
      // The recipient is the address the email went to (a merged-away contact keeps its own).
      if (recipient && this.store.get(this.ev.row[idx] as number, 'email')?.toLowerCase() !== recipient)
        return false;
      return true;
    };
    let candidates: ArrayLike<number>;
    if (recipient) {
      const row = this.store.findByEmail(recipient);
      const list = row < 0 ? [] : this.store.eventsOf(this.store.survivor(row));
      list.sort((a, c) => (this.ev.time[a] as number) - (this.ev.time[c] as number) || a - c);
      candidates = list;
    } else {
      candidates = this.byTime();
    }
    // Walk newest first; the offset counts positions from the newest end. Jump past events newer than the
    // window (or than now), and stop once older than its start.
    const events: Record<string, unknown>[] = [];
    let pos = Math.max(offset, this.firstPosAtOrBefore(candidates, Math.min(end, now)));
    let hasMore = false;
    for (; pos < candidates.length; pos++) {
      const idx = candidates[candidates.length - 1 - pos] as number;
      if ((this.ev.time[idx] as number) < start) {
        pos = candidates.length;
        break;
      }
      if (!matches(idx)) continue;
      if (events.length === limit) {
        hasMore = true;
        break;
      }
      events.push(this.emailEvent(idx));
    }
    return { hasMore, offset: encodeCursor(pos), events };
  }

  // ---------- forms ----------

  formsV3(): Record<string, unknown> {
    return {
      results: FORMS.map((f) => ({
        id: f.guid,
        name: f.name,
        formType: 'hubspot',
        createdAt: f.createdAt,
        updatedAt: f.createdAt,
        archived: false,
        fieldGroups: [
          {
            groupType: 'default_group',
            richTextType: 'text',
            fields: [
              {
                objectTypeId: '0-1',
                name: 'email',
                label: 'Email',
                required: true,
                hidden: false,
                fieldType: 'email',
                validation: { blockedEmailDomains: [], useDefaultBlockList: false },
              },
            ],
          },
        ],
        configuration: {
          language: 'en',
          createNewContactForNewEmail: false,
          editable: true,
          allowLinkToResetKnownValues: false,
          lifecycleStages: [],
          postSubmitAction: { type: 'thank_you', value: 'Thanks!' },
          prePopulateKnownValues: true,
          cloneable: true,
          notifyContactOwner: false,
          recaptchaEnabled: false,
          archivable: true,
          notifyRecipients: [],
        },
        displayOptions: {
          renderRawHtml: false,
          theme: 'default_style',
          submitButtonText: 'Submit',
          style: {},
          cssClass: '',
        },
        legalConsentOptions: { type: 'none' },
      })),
    };
  }

  formsV2(): Array<Record<string, unknown>> {
    return FORMS.map((f) => ({
      portalId: this.portalId,
      guid: f.guid,
      name: f.name,
      action: '',
      method: 'POST',
      cssClass: '',
      redirect: '',
      submitText: 'Submit',
      createdAt: Date.parse(f.createdAt),
      updatedAt: Date.parse(f.createdAt),
      formType: 'HUBSPOT',
      formFieldGroups: [
        { fields: [{ name: 'email', label: 'Email', type: 'string', fieldType: 'text', required: true }] },
      ],
    }));
  }

  /** GET /form-integrations/v1/submissions/forms/{guid}: newest first, limit <= 50, `after` paging. */
  formSubmissions(guid: string, q: URLSearchParams, baseUrl: string): Record<string, unknown> | undefined {
    const formIdx = FORMS.findIndex((f) => f.guid === guid);
    if (formIdx < 0) return undefined;
    const limit = clampLimit(q.get('limit'), 20, this.b.formSubmissionsMaxLimit);
    const offset = decodeCursor(q.get('after'));
    const sorted = this.byTime();
    const results: Record<string, unknown>[] = [];
    let pos = offset;
    let more = false;
    const now = this.now();
    for (; pos < sorted.length; pos++) {
      const idx = sorted[sorted.length - 1 - pos] as number;
      if (
        this.ev.kind[idx] !== EV.FORM ||
        this.ev.attr[idx] !== formIdx ||
        (this.ev.time[idx] as number) > now
      )
        continue;
      if (results.length === limit) {
        more = true;
        break;
      }
      const row = this.ev.row[idx] as number;
      const form = FORMS[formIdx]!;
      const values = [
        { name: 'email', value: this.store.get(row, 'email') ?? '' },
        { name: 'firstname', value: this.store.get(row, 'firstname') ?? '' },
        { name: 'lastname', value: this.store.get(row, 'lastname') ?? '' },
      ];
      if (form.kind === 'demo' || form.kind === 'contact') {
        values.push({ name: 'company', value: this.store.get(row, 'company') ?? '' });
        values.push({ name: 'jobtitle', value: this.store.get(row, 'jobtitle') ?? '' });
      }
      results.push({
        conversionId: this.eventUuid(idx),
        submittedAt: this.ev.time[idx],
        values,
        pageUrl: `${SITE}${form.pagePath}`,
      });
    }
    const out: Record<string, unknown> = { results };
    if (more) {
      const after = encodeCursor(pos);
      out.paging = {
        next: { after, link: `${baseUrl}/form-integrations/v1/submissions/forms/${guid}?after=${after}` },
      };
    }
    return out;
  }

  // ---------- web analytics events v3 ----------

  /** GET /events/v3/events: page views as e_visited_page. */
  webEvents(q: URLSearchParams, baseUrl: string): Record<string, unknown> {
    const limit = clampLimit(q.get('limit'), 10, 1000);
    const type = q.get('eventType');
    if (type && type !== 'e_visited_page') return { results: [] };
    const after = q.get('occurredAfter')
      ? Date.parse(q.get('occurredAfter') as string)
      : Number.NEGATIVE_INFINITY;
    const before = q.get('occurredBefore')
      ? Date.parse(q.get('occurredBefore') as string)
      : Number.POSITIVE_INFINITY;
    const objectType = (q.get('objectType') ?? '').toLowerCase();
    if (objectType && !['contact', 'contacts', '0-1'].includes(objectType)) return { results: [] };
    let candidates: ArrayLike<number>;
    const objectId = q.get('objectId');
    const email = q.get('objectProperty.email');
    if (objectId || email) {
      const row = email ? this.store.findByEmail(email) : this.store.rawRow(objectId as string);
      if (row < 0) return { results: [] };
      const list = this.store
        .eventsOf(this.store.survivor(row))
        .filter((e) => this.ev.kind[e] === EV.PAGE_VIEW);
      list.sort((a, c) => (this.ev.time[a] as number) - (this.ev.time[c] as number) || a - c);
      candidates = list;
    } else {
      candidates = this.byTime();
    }
    const descending = (q.get('sort') ?? 'DESCENDING').toUpperCase() !== 'ASCENDING';
    const offset = decodeCursor(q.get('after'));
    const now = this.now();
    const upper = Math.min(before, now);
    const len = candidates.length;
    const results: Record<string, unknown>[] = [];
    let pos = Math.max(
      offset,
      descending ? this.firstPosAtOrBefore(candidates, upper) : this.firstPosAtOrAfter(candidates, after),
    );
    let more = false;
    for (; pos < len; pos++) {
      const idx = candidates[descending ? len - 1 - pos : pos] as number;
      const t = this.ev.time[idx] as number;
      if (descending ? t < after : t > upper) {
        pos = len;
        break;
      }
      if (this.ev.kind[idx] !== EV.PAGE_VIEW) continue;
      if (t < after || t > upper) continue;
      const row = this.ev.row[idx] as number;
      if (results.length === limit) {
        more = true;
        break;
      }
      const page = PAGES[this.ev.attr[idx] as number] ?? PAGES[0]!;
      const country = COUNTRIES[this.store.ds.country[row] ?? 0] ?? COUNTRIES[0]!;
      results.push({
        objectType: 'CONTACT',
        objectId: this.store.idOf(this.store.survivor(row)),
        eventType: 'e_visited_page',
        occurredAt: iso(t),
        id: this.eventUuid(idx),
        properties: {
          hs_url: `${SITE}${page.path}`,
          hs_title: page.title,
          hs_referrer: idx % 3 === 0 ? 'https://www.google.com/' : '',
          hs_userAgent:
            'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36',
          hs_city: country.city.toLowerCase(),
          hs_country: country.name.toLowerCase(),
          hs_session_id: this.eventUuid(Math.floor(t / 1_800_000) ^ row),
          hs_session_source: 'ORGANIC_SEARCH',
        },
      });
    }
    const out: Record<string, unknown> = { results };
    if (more) {
      const a = encodeCursor(pos);
      out.paging = { next: { after: a, link: `${baseUrl}/events/v3/events?after=${a}` } };
    }
    return out;
  }

  // ---------- meetings and calls (CRM v3 objects) ----------

  rowsOf(type: 'meetings' | 'calls'): Uint32Array {
    const cached = this.engagementRows[type];
    if (cached) return cached;
    const kind = type === 'meetings' ? EV.MEETING : EV.CALL;
    const list: number[] = [];
    for (let i = 0; i < this.ev.length; i++) if (this.ev.kind[i] === kind) list.push(i);
    const arr = Uint32Array.from(list);
    this.engagementRows[type] = arr;
    return arr;
  }

  idOf(idx: number): string {
    return String(ENGAGEMENT_ID_BASE + idx);
  }

  /** The event index for an engagement id of the given type, or -1. */
  find(type: 'meetings' | 'calls', id: string): number {
    if (!/^\d+$/.test(id)) return -1;
    const idx = Number(id) - ENGAGEMENT_ID_BASE;
    if (idx < 0 || idx >= this.ev.length) return -1;
    return this.ev.kind[idx] === (type === 'meetings' ? EV.MEETING : EV.CALL) ? idx : -1;
  }

  createdAt(idx: number): number {
    const t = this.ev.time[idx] as number;
    // Meetings are logged when booked, before they start.
    return this.ev.kind[idx] === EV.MEETING ? t - 2 * 86_400_000 : t;
  }

  modifiedAt(idx: number): number {
    const t = this.ev.time[idx] as number;
    return this.ev.kind[idx] === EV.MEETING
      ? Math.min(this.now(), t + (this.ev.aux[idx] as number) * 60_000 + 600_000)
      : t + 300_000;
  }

  contactIdOf(idx: number): string {
    return this.store.idOf(this.store.survivor(this.ev.row[idx] as number));
  }

  get(idx: number, name: string): string | null {
    const ev = this.ev;
    const t = ev.time[idx] as number;
    const row = ev.row[idx] as number;
    const ownerIdx = this.store.ds.owner[row] ?? 255;
    switch (name) {
      case 'hs_object_id':
        return this.idOf(idx);
      case 'hs_createdate':
        return iso(this.createdAt(idx));
      case 'hs_lastmodifieddate':
        return iso(this.modifiedAt(idx));
      case 'hs_timestamp':
        return iso(t);
      case 'hubspot_owner_id':
        return (OWNERS[ownerIdx === 255 ? idx % OWNERS.length : ownerIdx] ?? OWNERS[0]!).id;
    }
    if (ev.kind[idx] === EV.MEETING) {
      switch (name) {
        case 'hs_meeting_title':
          return 'Leadscore demo';
        case 'hs_meeting_body':
          return 'Product walkthrough and pricing questions.';
        case 'hs_meeting_start_time':
          return iso(t);
        case 'hs_meeting_end_time':
          return iso(t + (ev.aux[idx] as number) * 60_000);
        case 'hs_meeting_outcome':
          return MEETING_OUTCOMES[ev.attr[idx] as number] ?? 'SCHEDULED';
        case 'hs_meeting_source':
          return 'CRM_UI';
      }
      return null;
    }
    switch (name) {
      case 'hs_call_title':
        return 'Call with contact';
      case 'hs_call_body':
        return ev.attr[idx] === 0 ? 'Discussed needs and next steps.' : '';
      case 'hs_call_duration':
        return String((ev.aux[idx] as number) * 1000);
      case 'hs_call_direction':
        return 'OUTBOUND';
      case 'hs_call_disposition':
        return CALL_DISPOSITIONS[ev.attr[idx] as number]?.id ?? null;
      case 'hs_call_status':
        return 'COMPLETED';
    }
    return null;
  }

  searchSource(type: 'meetings' | 'calls'): SearchSource {
    const defs = this.defs[type];
    const now = this.now();
    return {
      rows: () => Array.from(this.rowsOf(type)).filter((i) => this.createdAt(i) <= now),
      get: (r, name) => this.get(r, name),
      time: (r, name) =>
        name === 'hs_lastmodifieddate'
          ? this.modifiedAt(r)
          : name === 'hs_createdate'
            ? this.createdAt(r)
            : name === 'hs_timestamp'
              ? (this.ev.time[r] as number)
              : undefined,
      type: (name) => defs.get(name)?.type,
      createdAt: (r) => this.createdAt(r),
      modifiedAt: (r) => this.modifiedAt(r),
      id: (r) => this.idOf(r),
      associations: (r, toType) => (toType.startsWith('contact') ? [this.contactIdOf(r)] : []),
      queryProperties:
        type === 'meetings' ? ['hs_meeting_title', 'hs_meeting_body'] : ['hs_call_title', 'hs_call_body'],
    };
  }

  /** Engagement indexes associated with a contact row (via merges too). */
  engagementsOfContact(row: number, type: 'meetings' | 'calls'): number[] {
    const kind = type === 'meetings' ? EV.MEETING : EV.CALL;
    const now = this.now();
    return this.store
      .eventsOf(row)
      .filter((e) => this.ev.kind[e] === kind && this.createdAt(e) <= now)
      .sort((a, c) => a - c);
  }

  // ---------- subscriptions ----------

  subscriptionStatus(email: string): Record<string, unknown> {
    const row = this.store.findByEmail(email);
    const unsubscribed = row >= 0 && this.store.rollup(this.store.survivor(row)).unsubscribed;
    return {
      recipient: email,
      subscriptionStatuses: SUBSCRIPTIONS.map((s) => ({
        id: s.id,
        name: s.name,
        description: s.description,
        status: unsubscribed ? 'NOT_SUBSCRIBED' : 'SUBSCRIBED',
        sourceOfStatus: unsubscribed ? 'PORTAL_WIDE_STATUS' : 'SUBSCRIPTION_STATUS',
        brandId: null,
        preferenceGroupName: null,
        legalBasis: unsubscribed ? null : 'LEGITIMATE_INTEREST_CLIENT',
        legalBasisExplanation: unsubscribed ? null : 'Existing customer relationship.',
      })),
    };
  }

  subscriptionDefinitions(): Record<string, unknown> {
    return {
      subscriptionDefinitions: SUBSCRIPTIONS.map((s) => ({
        id: s.id,
        name: s.name,
        description: s.description,
        purpose: s.purpose,
        communicationMethod: 'Email',
        isActive: true,
        isDefault: true,
        isInternal: false,
        createdAt: 1_577_836_800_000,
        updatedAt: 1_577_836_800_000,
        businessUnitId: 0,
      })),
    };
  }
}
