import type { SandboxBehaviours } from './behaviours.js';
import {
  httpError,
  type PropertyValidationIssue,
  propertyIssue,
  propertyValuesNotValid,
  validationError,
} from './errors.js';
import {
  companyDomain,
  companyName,
  contactIdForRow,
  type Dataset,
  EV,
  MISSING,
  rowForBaseContactId,
} from './generator.js';
import {
  ANALYTICS_SOURCES,
  BOUNCE_CATEGORIES,
  COUNTRIES,
  FIRST_NAMES,
  FORMS,
  FREE_MAIL_DOMAINS,
  INDUSTRIES,
  LAST_NAMES,
  LEAD_STATUSES,
  LIFECYCLE_STAGES,
  OWNERS,
  SIZE_BUCKETS,
  TITLES,
} from './pools.js';
import {
  contactPropertyDefinitions,
  contactPropertyGroups,
  type PropertyDefinition,
  type PropertyGroup,
} from './properties.js';

/** Per-contact aggregates HubSpot keeps as read-only rollup properties. */
export interface Rollup {
  opens: number;
  clicks: number;
  delivered: number;
  bounces: number;
  bounceCategory: number;
  lastOpen: number;
  lastClick: number;
  unsubscribed: boolean;
  forms: number;
  firstForm: number;
  firstFormIdx: number;
  lastForm: number;
  lastFormIdx: number;
  pageViews: number;
  visits: number;
  firstVisit: number;
  lastVisit: number;
  salesActivities: number;
  lastContacted: number;
}

export const iso = (ms: number) => new Date(ms).toISOString();

const MESSY_SIZES = ['', 'lots', '1,000+', '50-100', 'unknown'];

/** Where a property value came from, as `propertiesWithHistory` reports it. */
export interface WriteSource {
  sourceType: string;
  sourceId?: string;
  updatedByUserId?: number;
}

export interface HistoryEntry extends WriteSource {
  value: string;
  timestamp: number;
}

export const API_WRITE: WriteSource = { sourceType: 'INTEGRATION', sourceId: '1912345' };
export const UI_WRITE: WriteSource = {
  sourceType: 'CRM_UI',
  sourceId: 'userId:9586505',
  updatedByUserId: 9586505,
};
const IMPORT_SOURCE: WriteSource = { sourceType: 'IMPORT', sourceId: 'import' };

interface ExtraRow {
  id: string;
  createdAt: number;
}

/**
 * The mutable portal: generated base rows plus API-made changes (overrides, new rows, merges, archives).
 * Row numbers are internal; ids are what the API shows.
 */
export class ContactStore {
  readonly propertyDefs = new Map<string, PropertyDefinition>();
  readonly groups = new Map<string, PropertyGroup>();
  private readonly overrides = new Map<number, Map<string, string | null>>();
  private readonly history = new Map<number, Map<string, HistoryEntry[]>>();
  private readonly extra: ExtraRow[] = [];
  private readonly extraIds = new Map<string, number>();
  readonly archivedAt = new Map<number, number>();
  /** loser row -> survivor row */
  readonly mergedInto = new Map<number, number>();
  /** survivor row -> absorbed rows (direct) */
  readonly absorbed = new Map<number, number[]>();
  /** Events added after start, by row. */
  readonly extraEvents = new Map<number, number[]>();
  private rollups = new Map<number, Rollup>();
  private rollupsAt = 0;
  /** Deals associated with a row (set by DealStore, deals.ts): the `num_associated_deals` rollup. */
  dealCount: ((row: number) => number) | undefined;
  private emailIndex: Map<string, number> | undefined;
  private nextId: number;
  /** Bumped on every change; lets indexes invalidate. */
  version = 0;

  constructor(
    readonly ds: Dataset,
    readonly behaviours: SandboxBehaviours,
    private readonly now: () => number,
  ) {
    for (const p of contactPropertyDefinitions()) this.propertyDefs.set(p.name, p);
    for (const g of contactPropertyGroups()) this.groups.set(g.name, g);
    this.nextId = 1001 + ds.n * 50 + 1000;
  }

  get rowCount(): number {
    return this.ds.n + this.extra.length;
  }

  idOf(row: number): string {
    return row < this.ds.n ? contactIdForRow(row) : (this.extra[row - this.ds.n] as ExtraRow).id;
  }

  /** The row for an id, without following merges. */
  rawRow(id: string): number {
    const base = rowForBaseContactId(id, this.ds.n);
    if (base >= 0) return base;
    return this.extraIds.get(id) ?? -1;
  }

  /** Follows merges to the surviving row. */
  survivor(row: number): number {
    let r = row;
    for (let guard = 0; guard < 1000; guard++) {
      const next = this.mergedInto.get(r);
      if (next === undefined) return r;
      r = next;
    }
    return r;
  }

  isLive(row: number): boolean {
    return !this.mergedInto.has(row) && !this.archivedAt.has(row);
  }

  createdAt(row: number): number {
    return row < this.ds.n
      ? (this.ds.createdAt[row] as number)
      : (this.extra[row - this.ds.n] as ExtraRow).createdAt;
  }

  private extraModified = new Map<number, number>();

  modifiedAt(row: number): number {
    return row < this.ds.n
      ? (this.ds.modifiedAt[row] as number)
      : (this.extraModified.get(row) ?? this.createdAt(row));
  }

  touch(row: number, at = this.now()): void {
    const t = Math.max(at, this.modifiedAt(row) + 1);
    if (row < this.ds.n) this.ds.modifiedAt[row] = t;
    else this.extraModified.set(row, t);
    this.version++;
  }

  // ---------- events of a contact ----------

  /** Event indexes of the row, including rows merged into it and events added later. */
  eventsOf(row: number): number[] {
    const out: number[] = [];
    const visit = (r: number) => {
      if (r < this.ds.n) {
        for (let e = this.ds.rowEvStart[r] as number; e < (this.ds.rowEvStart[r + 1] as number); e++)
          out.push(e);
      }
      const more = this.extraEvents.get(r);
      if (more) out.push(...more);
      for (const a of this.absorbed.get(r) ?? []) visit(a);
    };
    visit(row);
    return out;
  }

  invalidateRollup(row: number): void {
    this.rollups.delete(this.survivor(row));
  }

  rollup(row: number): Rollup {
    const now = this.now();
    // Rollups count only events up to now; drop the cache when the clock has moved on.
    if (Math.abs(now - this.rollupsAt) > 60_000) {
      this.rollups.clear();
      this.rollupsAt = now;
    }
    const cached = this.rollups.get(row);
    if (cached) return cached;
    const ev = this.ds.events;
    const r: Rollup = {
      opens: 0,
      clicks: 0,
      delivered: 0,
      bounces: 0,
      bounceCategory: 0,
      lastOpen: 0,
      lastClick: 0,
      unsubscribed: false,
      forms: 0,
      firstForm: 0,
      firstFormIdx: 0,
      lastForm: 0,
      lastFormIdx: 0,
      pageViews: 0,
      visits: 0,
      firstVisit: 0,
      lastVisit: 0,
      salesActivities: 0,
      lastContacted: 0,
    };
    const visitDays = new Set<number>();
    for (const e of this.eventsOf(row)) {
      const t = ev.time[e] as number;
      if (t > now) continue;
      switch (ev.kind[e]) {
        case EV.DELIVERED:
          r.delivered++;
          break;
        case EV.OPEN:
          r.opens++;
          r.lastOpen = Math.max(r.lastOpen, t);
          break;
        case EV.CLICK:
          r.clicks++;
          r.lastClick = Math.max(r.lastClick, t);
          break;
        case EV.BOUNCE:
          r.bounces++;
          r.bounceCategory = ev.aux[e] as number;
          break;
        case EV.UNSUBSCRIBE:
          r.unsubscribed = true;
          break;
        case EV.FORM:
          r.forms++;
          if (!r.firstForm || t < r.firstForm) {
            r.firstForm = t;
            r.firstFormIdx = ev.attr[e] as number;
          }
          if (t >= r.lastForm) {
            r.lastForm = t;
            r.lastFormIdx = ev.attr[e] as number;
          }
          break;
        case EV.PAGE_VIEW:
          r.pageViews++;
          visitDays.add(Math.floor(t / 1_800_000));
          if (!r.firstVisit || t < r.firstVisit) r.firstVisit = t;
          r.lastVisit = Math.max(r.lastVisit, t);
          break;
        case EV.MEETING:
        case EV.CALL:
          r.salesActivities++;
          r.lastContacted = Math.max(r.lastContacted, t);
          break;
      }
    }
    r.visits = visitDays.size;
    this.rollups.set(row, r);
    return r;
  }

  // ---------- property values ----------

  /** The current value of one property, as HubSpot would return it (string or null). */
  get(row: number, name: string): string | null {
    const o = this.overrides.get(row);
    if (o?.has(name)) return o.get(name) ?? null;
    switch (name) {
      case 'hs_object_id':
        return this.idOf(row);
      case 'createdate':
        return iso(this.createdAt(row));
      case 'lastmodifieddate':
      case 'hs_lastmodifieddate':
        return iso(this.modifiedAt(row));
      case 'hs_merged_object_ids': {
        const ids = this.mergedIds(row);
        return ids.length ? ids.join(';') : null;
      }
    }
    const rollupValue = this.rollupProperty(row, name);
    if (rollupValue !== undefined) return rollupValue;
    if (row >= this.ds.n) return null;
    return this.baseValue(row, name);
  }

  private mergedIds(row: number): string[] {
    const out: string[] = [];
    const visit = (r: number) => {
      for (const a of this.absorbed.get(r) ?? []) {
        out.push(this.idOf(a));
        visit(a);
      }
    };
    visit(row);
    return out;
  }

  private rollupProperty(row: number, name: string): string | null | undefined {
    const num = (v: number) => String(v);
    const date = (v: number) => (v ? iso(v) : null);
    switch (name) {
      case 'hs_email_open':
        return num(this.rollup(row).opens);
      case 'hs_email_click':
        return num(this.rollup(row).clicks);
      case 'hs_email_delivered':
        return num(this.rollup(row).delivered);
      case 'hs_email_bounce':
        return num(this.rollup(row).bounces);
      case 'hs_email_hard_bounce_reason_enum': {
        const r = this.rollup(row);
        return r.bounces ? (BOUNCE_CATEGORIES[r.bounceCategory] ?? 'UNKNOWN_USER') : null;
      }
      case 'hs_email_last_open_date':
        return date(this.rollup(row).lastOpen);
      case 'hs_email_last_click_date':
        return date(this.rollup(row).lastClick);
      case 'hs_email_optout':
        return this.rollup(row).unsubscribed ? 'true' : null;
      case 'num_conversion_events':
        return num(this.rollup(row).forms);
      case 'first_conversion_date':
        return date(this.rollup(row).firstForm);
      case 'recent_conversion_date':
        return date(this.rollup(row).lastForm);
      case 'first_conversion_event_name': {
        const r = this.rollup(row);
        return r.forms ? (FORMS[r.firstFormIdx]?.name ?? null) : null;
      }
      case 'recent_conversion_event_name': {
        const r = this.rollup(row);
        return r.forms ? (FORMS[r.lastFormIdx]?.name ?? null) : null;
      }
      case 'hs_analytics_num_page_views':
        return num(this.rollup(row).pageViews);
      case 'hs_analytics_num_visits':
        return num(this.rollup(row).visits);
      case 'hs_analytics_first_visit_timestamp':
        return date(this.rollup(row).firstVisit);
      case 'hs_analytics_last_visit_timestamp':
        return date(this.rollup(row).lastVisit);
      case 'num_contacted_notes':
        return num(this.rollup(row).salesActivities);
      case 'notes_last_contacted':
        return date(this.rollup(row).lastContacted);
      case 'num_associated_deals':
        return this.dealCount ? num(this.dealCount(row)) : undefined;
      default:
        return undefined;
    }
  }

  baseEmail(row: number): string {
    const ds = this.ds;
    const first = FIRST_NAMES[ds.first[row] as number] as string;
    const last = LAST_NAMES[ds.last[row] as number] as string;
    const suffix = ds.nameSuffix[row] ? String((ds.nameSuffix[row] as number) + 1) : '';
    const domain = ds.freeMail[row]
      ? (FREE_MAIL_DOMAINS[(row * 7) % FREE_MAIL_DOMAINS.length] as string)
      : companyDomain(ds.company[row] as number);
    return `${first}.${last}${suffix}@${domain}`;
  }

  private baseValue(row: number, name: string): string | null {
    const ds = this.ds;
    const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
    switch (name) {
      case 'email':
        return this.baseEmail(row);
      case 'firstname':
        return cap(FIRST_NAMES[ds.first[row] as number] as string);
      case 'lastname':
        return cap(LAST_NAMES[ds.last[row] as number] as string);
      case 'company':
        return companyName(ds.company[row] as number);
      case 'website':
        return ds.freeMail[row] ? null : `https://www.${companyDomain(ds.company[row] as number)}`;
      case 'jobtitle':
        return ds.title[row] === MISSING ? null : (TITLES[ds.title[row] as number]?.title ?? null);
      case 'industry':
        return ds.industry[row] === MISSING ? null : (INDUSTRIES[ds.industry[row] as number]?.name ?? null);
      case 'numemployees':
        return SIZE_BUCKETS[ds.sizeBucket[row] as number]?.label ?? null;
      case 'company_size':
        return ds.messySize[row]
          ? (MESSY_SIZES[ds.messySize[row] as number] ?? null)
          : String(ds.employees[row]);
      case 'country':
        return COUNTRIES[ds.country[row] as number]?.name ?? null;
      case 'city':
        return COUNTRIES[ds.country[row] as number]?.city ?? null;
      case 'phone':
        return `+1 617 555 ${String(1000 + (row % 9000)).padStart(4, '0')}`;
      case 'lifecyclestage':
        return LIFECYCLE_STAGES[ds.lifecycle[row] as number] ?? 'lead';
      case 'hs_lead_status': {
        const stage = LIFECYCLE_STAGES[ds.lifecycle[row] as number];
        if (stage === 'subscriber' || stage === 'other') return null;
        if (stage === 'opportunity' || stage === 'customer') return 'OPEN_DEAL';
        if (stage === 'salesqualifiedlead') return 'CONNECTED';
        return ds.owner[row] === MISSING ? 'NEW' : (LEAD_STATUSES[row % 3 === 0 ? 5 : 1] as string);
      }
      case 'hubspot_owner_id':
        return ds.owner[row] === MISSING ? null : (OWNERS[ds.owner[row] as number]?.id ?? null);
      case 'hs_analytics_source':
        return ANALYTICS_SOURCES[ds.source[row] as number] ?? null;
      case 'hs_lifecyclestage_lead_date':
        return LIFECYCLE_STAGES[ds.lifecycle[row] as number] === 'subscriber'
          ? null
          : iso(this.createdAt(row));
      case 'hs_lifecyclestage_opportunity_date':
        return ds.convertedAt[row] ? iso(ds.convertedAt[row] as number) : null;
      case 'hs_lifecyclestage_customer_date':
        return ds.customerAt[row] ? iso(ds.customerAt[row] as number) : null;
      default:
        return null;
    }
  }

  /** All defined properties with a value (for tests and the control API). */
  allValues(row: number): Record<string, string | null> {
    const out: Record<string, string | null> = {};
    for (const name of this.propertyDefs.keys()) out[name] = this.get(row, name);
    return out;
  }

  // ---------- lookups ----------

  findByEmail(email: string): number {
    if (!this.emailIndex) {
      const idx = new Map<string, number>();
      for (let r = 0; r < this.rowCount; r++) {
        const e = this.get(r, 'email');
        if (e) idx.set(e.toLowerCase(), r);
      }
      this.emailIndex = idx;
    }
    const r = this.emailIndex.get(email.toLowerCase());
    return r === undefined ? -1 : r;
  }

  /** Resolve an id (or a unique property value) to a row; follows merges. -1 if unknown. */
  resolve(id: string, idProperty?: string): number {
    if (idProperty && idProperty !== 'hs_object_id') {
      if (idProperty !== 'email') {
        const def = this.propertyDefs.get(idProperty);
        if (!def?.hasUniqueValue) return -1;
        for (let r = 0; r < this.rowCount; r++)
          if (this.isLive(r) && this.get(r, idProperty) === id) return r;
        return -1;
      }
      const r = this.findByEmail(id);
      return r < 0 ? -1 : this.survivor(r);
    }
    const raw = this.rawRow(id);
    return raw < 0 ? -1 : this.survivor(raw);
  }

  // ---------- writes ----------

  /** Validates property values for a write; returns HubSpot's per-property issues. */
  validate(values: Record<string, unknown>, row: number | null): PropertyValidationIssue[] {
    const issues: PropertyValidationIssue[] = [];
    for (const [name, raw] of Object.entries(values)) {
      const def = this.propertyDefs.get(name);
      if (!def || def.archived) {
        issues.push(propertyIssue(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`));
        continue;
      }
      if (def.modificationMetadata.readOnlyValue) {
        issues.push(
          propertyIssue(
            name,
            'READ_ONLY_VALUE',
            `"${name}" is a read only property; its value cannot be set.`,
          ),
        );
        continue;
      }
      const value = raw === null || raw === undefined ? '' : String(raw);
      if (value === '') continue;
      switch (def.type) {
        case 'number':
          if (!Number.isFinite(Number(value.trim())) || value.trim() === '')
            issues.push(propertyIssue(name, 'INVALID_INTEGER', `${value} was not a valid number.`));
          break;
        case 'bool':
          if (!['true', 'false'].includes(value.toLowerCase()))
            issues.push(propertyIssue(name, 'INVALID_BOOLEAN', `${value} was not a valid boolean.`));
          break;
        case 'datetime':
        case 'date':
          if (!/^\d+$/.test(value) && Number.isNaN(Date.parse(value)))
            issues.push(propertyIssue(name, 'INVALID_DATE', `${value} was not a valid date.`));
          break;
        case 'enumeration': {
          const allowed = new Set(def.options.map((o) => o.value));
          const parts = def.fieldType === 'checkbox' ? value.split(';') : [value];
          const bad = parts.find((p) => !allowed.has(p));
          if (bad !== undefined)
            issues.push(
              propertyIssue(
                name,
                'INVALID_OPTION',
                `${bad} was not one of the allowed options: [${def.options.map((o) => `label: "${o.label}" value: "${o.value}"`).join(', ')}]`,
              ),
            );
          break;
        }
      }
      if (name === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) {
        issues.push(propertyIssue(name, 'INVALID_EMAIL', `Email address ${value} is invalid`));
      } else if (name === 'email') {
        const other = this.findByEmail(value);
        if (other >= 0 && other !== row && this.isLive(other)) {
          issues.push(
            propertyIssue(
              name,
              'CONFLICTING_UNIQUE_VALUE',
              `A contact with the email '${value}' already exists.`,
            ),
          );
        }
      }
    }
    return issues;
  }

  /** Normalises a written value the way HubSpot stores it. */
  private normalise(name: string, raw: unknown): string | null {
    if (raw === null || raw === undefined) return null;
    const value = String(raw);
    if (value === '') return null;
    const def = this.propertyDefs.get(name);
    if (def?.type === 'datetime') return iso(/^\d+$/.test(value) ? Number(value) : Date.parse(value));
    if (def?.type === 'date')
      return iso(/^\d+$/.test(value) ? Number(value) : Date.parse(value)).slice(0, 10);
    if (def?.type === 'bool') return value.toLowerCase();
    return value;
  }

  /**
   * Writes (validated) values; bumps lastmodifieddate and appends to each property's history.
   * API writes are recorded as INTEGRATION; the control API's edits as CRM_UI (a person in HubSpot).
   */
  setValues(
    row: number,
    values: Record<string, unknown>,
    at = this.now(),
    source: WriteSource = API_WRITE,
  ): void {
    let o = this.overrides.get(row);
    if (!o) {
      o = new Map();
      this.overrides.set(row, o);
    }
    let h = this.history.get(row);
    if (!h) {
      h = new Map();
      this.history.set(row, h);
    }
    for (const [name, raw] of Object.entries(values)) {
      if (name === 'email') this.emailIndex = undefined;
      const value = this.normalise(name, raw);
      if (name === 'lifecyclestage' && source === API_WRITE && this.isBackwards(row, value)) continue;
      if (!h.has(name)) {
        // Keep the value this write replaces as the first entry.
        const before = this.get(row, name);
        h.set(
          name,
          before === null ? [] : [{ value: before, timestamp: this.createdAt(row), ...IMPORT_SOURCE }],
        );
      }
      o.set(name, value);
      h.get(name)?.push({ value: value ?? '', timestamp: at, ...source });
    }
    this.touch(row, at);
  }

  /**
   * ◐ Lifecycle stages only move forward: setting an earlier stage is silently ignored (200, value unchanged);
   * clear it first. https://integrate.hubspot.com/t/update-lifecycle-stage-using-api/1333 (v1; UNVERIFIED for v3:
   * knob `lifecycleBackwards`).
   */
  private isBackwards(row: number, value: string | null): boolean {
    if (this.behaviours.lifecycleBackwards !== 'ignore' || value === null) return false;
    const current = this.get(row, 'lifecyclestage');
    if (current === null) return false;
    const order = (s: string) => LIFECYCLE_STAGES.indexOf(s as (typeof LIFECYCLE_STAGES)[number]);
    return order(value) >= 0 && order(current) >= 0 && order(value) < order(current);
  }

  /** `propertiesWithHistory` entries, newest first. */
  historyOf(row: number, name: string): HistoryEntry[] {
    const h = this.history.get(row)?.get(name);
    if (h) return [...h].reverse();
    const v = this.get(row, name);
    if (v === null) return [];
    const def = this.propertyDefs.get(name);
    const computed = def?.modificationMetadata.readOnlyValue;
    return [
      computed
        ? {
            value: v,
            timestamp: this.modifiedAt(row),
            sourceType: 'CALCULATED',
            sourceId: 'RollupProperties',
          }
        : { value: v, timestamp: this.createdAt(row), ...IMPORT_SOURCE },
    ];
  }

  /** Public write: validate then set; throws HubSpot's 400 on any invalid value. */
  update(row: number, values: Record<string, unknown>): void {
    const issues = this.validate(values, row);
    if (issues.length)
      throw validationError(propertyValuesNotValid(issues), { errors: issuesAsErrors(issues) });
    this.setValues(row, values);
  }

  create(values: Record<string, unknown>, at = this.now()): number {
    const issues = this.validate(values, null);
    const dup = issues.find((i) => i.error === 'CONFLICTING_UNIQUE_VALUE');
    if (dup) {
      const existing = this.findByEmail(String(values.email));
      // ◐ github.com/HubSpot/hubspot-api-nodejs/issues/545
      throw httpError(
        409,
        'CONFLICT',
        `Contact already exists. Existing ID: ${this.idOf(this.survivor(existing))}`,
      );
    }
    if (issues.length)
      throw validationError(propertyValuesNotValid(issues), { errors: issuesAsErrors(issues) });
    const row = this.newRow(at);
    this.setValues(row, values, at);
    return row;
  }

  private newRow(at: number): number {
    const id = String(this.nextId);
    this.nextId += 50;
    const row = this.rowCount;
    this.extra.push({ id, createdAt: at });
    this.extraIds.set(id, row);
    this.emailIndex = undefined;
    this.version++;
    return row;
  }

  archive(row: number, at = this.now()): void {
    if (this.archivedAt.has(row)) return;
    this.archivedAt.set(row, at);
    this.version++;
  }

  restore(row: number): void {
    this.archivedAt.delete(row);
    this.touch(row);
  }

  /**
   * Merge `loser` into `primary`. Since 2024 a contact merge creates a NEW record with a NEW id; both old ids
   * resolve to it. https://developers.hubspot.com/changelog/updated-merge-functionality-for-contacts-and-companies
   */
  merge(primary: number, loser: number, at = this.now()): number {
    if (primary === loser) throw validationError('Cannot merge an object with itself.');
    const values: Record<string, string | null> = {};
    const writable = [...this.propertyDefs.values()].filter((d) => !d.modificationMetadata.readOnlyValue);
    for (const def of writable) {
      const p = this.get(primary, def.name);
      values[def.name] = p ?? this.get(loser, def.name);
    }
    const loserEmail = this.get(loser, 'email');
    let survivor = primary;
    if (this.behaviours.mergeCreatesNewId) {
      survivor = this.newRow(at);
      this.extra[survivor - this.ds.n] = {
        id: this.idOf(survivor),
        createdAt: Math.min(this.createdAt(primary), this.createdAt(loser)),
      };
      this.mergedInto.set(primary, survivor);
      this.absorbed.set(survivor, [primary, loser]);
    } else {
      this.absorbed.set(primary, [...(this.absorbed.get(primary) ?? []), loser]);
    }
    this.mergedInto.set(loser, survivor);
    this.setValues(survivor, values, at);
    if (loserEmail) this.setValues(survivor, { hs_additional_emails: loserEmail }, at);
    this.rollups.delete(survivor);
    this.emailIndex = undefined;
    return survivor;
  }

  /** Live rows in id order (base rows then API-created rows). */
  *liveRows(archived = false): Iterable<number> {
    for (let r = 0; r < this.rowCount; r++) {
      if (this.mergedInto.has(r)) continue;
      if (this.archivedAt.has(r) !== archived) continue;
      yield r;
    }
  }

  /** First row whose id >= the given id (ids ascend with rows). */
  rowAtOrAfterId(id: number): number {
    const n = this.ds.n;
    if (id <= 1001) return 0;
    const baseRow = Math.ceil((id - 1001) / 50);
    if (baseRow < n) return baseRow;
    for (let r = n; r < this.rowCount; r++) if (Number(this.idOf(r)) >= id) return r;
    return this.rowCount;
  }
}

export function issuesAsErrors(issues: PropertyValidationIssue[]): Array<Record<string, unknown>> {
  return issues.map((i) => ({ message: i.message, code: i.error, context: { propertyName: [i.name] } }));
}
