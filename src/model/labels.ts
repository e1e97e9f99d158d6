import { type AttributeValue, type LeadRecord, WON_DEAL_AT_PROPERTY } from '../crm/vocabulary.js';

/**
 * Conversion labels from stored records (pure). A record converted when its CRM says so, and the label's moment
 * (`labelAt`) is the earliest conversion date the CRM recorded, a won deal's or opportunity's close date
 * (WON_DEAL_AT_PROPERTY, filled by every connector) included: features are built from what was known before it. A record that has not converted is a negative as of the cut-off, once it has been around long enough to
 * have had the chance (`maturityDays`).
 */

/** How one CRM records a conversion, by its own property names. Data, not code, so a CRM is one more row. */
export interface ConversionSource {
  /** Lifecycle stages (the record's `lifecycleStage`, compared case-insensitively) that mean converted. */
  stages: readonly string[];
  /** A property that is true when the record converted. */
  flagProperty?: string;
  /**
   * Properties holding when the record converted (the earliest valid one is the label's moment). One that is set
   * also means converted, even when its value is not a readable time.
   */
  dateProperties: readonly string[];
}

export const CONVERSION_SOURCES: Readonly<Record<string, ConversionSource>> = {
  // https://knowledge.hubspot.com/records/use-lifecycle-stages: `hs_lifecyclestage_<stage>_date` is set when
  // the contact first reaches the stage (the sandbox carries both, connectors/hubspot/BEHAVIOR.md).
  // WON_DEAL_AT_PROPERTY: the earliest closedate of an associated deal in a closed-won stage.
  hubspot: {
    stages: ['opportunity', 'customer'],
    dateProperties: [
      'hs_lifecyclestage_opportunity_date',
      'hs_lifecyclestage_customer_date',
      WON_DEAL_AT_PROPERTY,
    ],
  },
  // https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_lead.htm
  // WON_DEAL_AT_PROPERTY: the earliest CloseDate of a won opportunity tied to the lead or contact.
  salesforce: {
    stages: [],
    flagProperty: 'IsConverted',
    dateProperties: ['ConvertedDate', WON_DEAL_AT_PROPERTY],
  },
};

/** Sources without a row of their own (file imports) are read like HubSpot, with either CRM's date names. */
const FALLBACK_SOURCE: ConversionSource = {
  stages: ['opportunity', 'customer'],
  flagProperty: 'IsConverted',
  dateProperties: [
    ...new Set([
      ...CONVERSION_SOURCES.hubspot!.dateProperties,
      ...CONVERSION_SOURCES.salesforce!.dateProperties,
    ]),
  ],
};

/** Every property a label is read from: using one as a feature would hand the model its own answer. */
export function labelProperties(
  sources: Readonly<Record<string, ConversionSource>> = CONVERSION_SOURCES,
): Set<string> {
  const names = new Set<string>();
  for (const source of [...Object.values(sources), FALLBACK_SOURCE]) {
    for (const name of source.dateProperties) names.add(name);
    if (source.flagProperty !== undefined) names.add(source.flagProperty);
  }
  return names;
}

export type LabelExclusion = 'converted-without-date' | 'too-recent' | 'not-yet-created';

export type RecordLabel =
  | { kind: 'positive'; labelAt: number }
  | { kind: 'negative'; labelAt: number }
  | { kind: 'excluded'; reason: LabelExclusion };

export interface LabelOptions {
  /** The cut-off (epoch ms): conversions after it are not yet known; negatives are labelled as of it. */
  cutoff: number;
  /** A non-converted record younger than this at the cut-off is left out: it has not had the chance (default 30). */
  maturityDays?: number;
  sources?: Readonly<Record<string, ConversionSource>>;
}

const DAY = 86_400_000;

/** Epoch ms from a CRM time value: epoch ms (number or digits), ISO 8601 or a date (`2026-03-01`, UTC midnight). */
export function parseLabelTime(value: AttributeValue | undefined): number | undefined {
  if (value === null || value === undefined || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^-?\d+$/.test(text)) return Number(text);
  if (!/^\d{4}-\d\d-\d\d/.test(text)) return undefined;
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : time;
}

function isSet(value: AttributeValue | undefined): boolean {
  return value !== undefined && value !== null && value !== false && String(value).trim() !== '';
}

function isTrue(value: AttributeValue | undefined): boolean {
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}

export function conversionSourceFor(
  source: string,
  sources: Readonly<Record<string, ConversionSource>> = CONVERSION_SOURCES,
): ConversionSource {
  return sources[source] ?? FALLBACK_SOURCE;
}

/** The label of one record as of `options.cutoff`. */
export function labelRecord(record: LeadRecord, options: LabelOptions): RecordLabel {
  const source = conversionSourceFor(record.source, options.sources);
  let earliest: number | undefined;
  let dated = false;
  for (const name of source.dateProperties) {
    const value = record.properties[name];
    if (isSet(value)) dated = true;
    const time = parseLabelTime(value);
    if (time !== undefined && (earliest === undefined || time < earliest)) earliest = time;
  }
  const stage = record.lifecycleStage?.trim().toLowerCase();
  const flagged =
    dated ||
    (stage !== undefined && source.stages.includes(stage)) ||
    (source.flagProperty !== undefined && isTrue(record.properties[source.flagProperty]));
  if (earliest !== undefined && earliest <= options.cutoff) return { kind: 'positive', labelAt: earliest };
  // Converted, but when is unknown: any moment we picked could let later activity leak into the features.
  if (flagged && earliest === undefined) return { kind: 'excluded', reason: 'converted-without-date' };
  // Not converted (or only after the cut-off, which is not yet known at it).
  if (record.createdAt !== undefined) {
    if (record.createdAt > options.cutoff) return { kind: 'excluded', reason: 'not-yet-created' };
    if (record.createdAt > options.cutoff - (options.maturityDays ?? 30) * DAY) {
      return { kind: 'excluded', reason: 'too-recent' };
    }
  }
  return { kind: 'negative', labelAt: options.cutoff };
}

export interface LabelCounts {
  positives: number;
  negatives: number;
  excluded: Record<LabelExclusion, number>;
}

export function emptyLabelCounts(): LabelCounts {
  return {
    positives: 0,
    negatives: 0,
    excluded: { 'converted-without-date': 0, 'too-recent': 0, 'not-yet-created': 0 },
  };
}

export function countLabel(counts: LabelCounts, label: RecordLabel): void {
  if (label.kind === 'positive') counts.positives++;
  else if (label.kind === 'negative') counts.negatives++;
  else counts.excluded[label.reason]++;
}
