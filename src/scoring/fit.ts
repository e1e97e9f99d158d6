import { type LeadRecord, RECORD_FIELDS } from '../crm/vocabulary.js';
import { compileValueTest, type ValueTest } from './conditions.js';
import { domainListTest, emailDomainOf, freeMailTest } from './freemail.js';
import type { FieldCondition, FitRule, NegativeRule } from './rules-schema.js';
import type { Contribution } from './types.js';

/** A derived field: the lower-cased domain of `email`. */
export const EMAIL_DOMAIN_FIELD = 'emailDomain';

const VOCABULARY = new Set<string>(RECORD_FIELDS);

export type FieldGetter = (record: LeadRecord) => unknown;

/**
 * How a rule reads a field: the vocabulary field (record.title, record.companySize...) when set, then the
 * CRM-specific property of that name (`hs_lead_status`, `LeadSource`); `emailDomain` is derived from email.
 * Only own properties are read, so a rule on `constructor` finds nothing rather than Object's.
 */
export function fieldGetter(name: string): FieldGetter {
  const fromProperties = (record: LeadRecord): unknown =>
    Object.hasOwn(record.properties, name) ? record.properties[name] : undefined;
  if (name === EMAIL_DOMAIN_FIELD) {
    return (record) => emailDomainOf(record.email) ?? fromProperties(record);
  }
  if (VOCABULARY.has(name)) {
    const field = name as keyof LeadRecord;
    return (record) => record[field] ?? fromProperties(record);
  }
  return fromProperties;
}

/** A rule that reads only the record: it adds its points (times the fit decay, for fit rules) when it matches. */
export interface CompiledRecordRule {
  id: string;
  label: string;
  section: Contribution['section'];
  points: number;
  /** Fit rules decay with stale record data; negative record rules (competitor, free mail) do not. */
  decays: boolean;
  matches: (record: LeadRecord) => boolean;
}

export function compileFieldMatch(condition: FieldCondition): (record: LeadRecord) => boolean {
  const get = fieldGetter(condition.field);
  const test: ValueTest = compileValueTest(condition);
  return (record) => test(get(record));
}

export function compileFitRule(rule: FitRule): CompiledRecordRule {
  return {
    id: rule.id,
    label: rule.label,
    section: 'fit',
    points: rule.points,
    decays: true,
    matches: compileFieldMatch(rule),
  };
}

/** Negative rules that read the record (field, freeMail, emailDomain); undefined for event-based kinds. */
export function compileNegativeRecordRule(rule: NegativeRule): CompiledRecordRule | undefined {
  const base = {
    id: rule.id,
    label: rule.label,
    section: 'negative' as const,
    points: rule.points,
    decays: false,
  };
  switch (rule.kind) {
    case 'field':
      return { ...base, matches: compileFieldMatch(rule) };
    case 'freeMail': {
      const isFree = freeMailTest(rule.extraDomains);
      return { ...base, matches: domainMatch(isFree) };
    }
    case 'emailDomain': {
      const isListed = domainListTest(rule.domains);
      return { ...base, matches: domainMatch(isListed) };
    }
    case 'event':
    case 'inactivity':
      return undefined;
  }
}

function domainMatch(test: (domain: string) => boolean): (record: LeadRecord) => boolean {
  return (record) => {
    const domain = emailDomainOf(record.email);
    return domain !== undefined && test(domain);
  };
}
