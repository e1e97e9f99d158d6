import { describe, expect, it } from 'vitest';
import type { LeadRecord } from '../../src/crm/vocabulary.js';
import { labelRecord, parseLabelTime } from '../../src/model/labels.js';

const DAY = 86_400_000;
const CUTOFF = Date.UTC(2026, 10, 1);
const OLD = CUTOFF - 200 * DAY;

function hubspot(properties: LeadRecord['properties'], extra: Partial<LeadRecord> = {}): LeadRecord {
  return { source: 'hubspot', externalId: '1', createdAt: OLD, lifecycleStage: 'lead', properties, ...extra };
}

function salesforce(properties: LeadRecord['properties'], extra: Partial<LeadRecord> = {}): LeadRecord {
  return {
    source: 'salesforce',
    externalId: '00Q1',
    createdAt: OLD,
    lifecycleStage: 'Open',
    properties,
    ...extra,
  };
}

describe('labels from stored records', () => {
  it('given a HubSpot contact that became an opportunity then a customer, when labelled, then it is positive as of the earliest date', () => {
    const record = hubspot(
      {
        hs_lifecyclestage_opportunity_date: '2026-05-01T10:00:00.000Z',
        hs_lifecyclestage_customer_date: '2026-06-01T10:00:00.000Z',
      },
      { lifecycleStage: 'customer' },
    );
    expect(labelRecord(record, { cutoff: CUTOFF })).toEqual({
      kind: 'positive',
      labelAt: Date.parse('2026-05-01T10:00:00.000Z'),
    });
  });

  it('given a HubSpot contact with only a customer date in epoch milliseconds, when labelled, then that date is the moment', () => {
    const at = Date.parse('2026-07-02T00:00:00Z');
    expect(labelRecord(hubspot({ hs_lifecyclestage_customer_date: String(at) }), { cutoff: CUTOFF })).toEqual(
      {
        kind: 'positive',
        labelAt: at,
      },
    );
  });

  it('given a HubSpot contact in stage opportunity without any date, when labelled, then it is left out rather than guessed', () => {
    expect(labelRecord(hubspot({}, { lifecycleStage: 'Opportunity' }), { cutoff: CUTOFF })).toEqual({
      kind: 'excluded',
      reason: 'converted-without-date',
    });
  });

  it('given a HubSpot lead that never converted, when labelled, then it is negative as of the cut-off', () => {
    expect(labelRecord(hubspot({ hs_lifecyclestage_opportunity_date: null }), { cutoff: CUTOFF })).toEqual({
      kind: 'negative',
      labelAt: CUTOFF,
    });
  });

  it('given a lead younger than the maturity, when labelled, then it is left out: it has not had the chance yet', () => {
    const young = hubspot({}, { createdAt: CUTOFF - 10 * DAY });
    expect(labelRecord(young, { cutoff: CUTOFF })).toEqual({ kind: 'excluded', reason: 'too-recent' });
    expect(labelRecord(young, { cutoff: CUTOFF, maturityDays: 5 }).kind).toBe('negative');
  });

  it('given a conversion after the cut-off, when labelled, then it is not yet known: negative as of the cut-off', () => {
    const later = hubspot(
      { hs_lifecyclestage_opportunity_date: new Date(CUTOFF + DAY).toISOString() },
      { lifecycleStage: 'opportunity' },
    );
    expect(labelRecord(later, { cutoff: CUTOFF })).toEqual({ kind: 'negative', labelAt: CUTOFF });
  });

  it('given a converted Salesforce lead, when labelled, then ConvertedDate is the moment', () => {
    expect(
      labelRecord(salesforce({ IsConverted: true, ConvertedDate: '2026-04-15' }), { cutoff: CUTOFF }),
    ).toEqual({
      kind: 'positive',
      labelAt: Date.UTC(2026, 3, 15),
    });
  });

  it('given a Salesforce lead flagged converted as text without a date, when labelled, then it is left out', () => {
    expect(labelRecord(salesforce({ IsConverted: 'true', ConvertedDate: null }), { cutoff: CUTOFF })).toEqual(
      {
        kind: 'excluded',
        reason: 'converted-without-date',
      },
    );
  });

  it('given an open Salesforce lead, when labelled, then it is negative', () => {
    expect(labelRecord(salesforce({ IsConverted: false }), { cutoff: CUTOFF }).kind).toBe('negative');
  });

  it('given CRM time values, when parsed, then ISO, dates and epoch ms are read and the rest is not a time', () => {
    expect(parseLabelTime('2026-01-02')).toBe(Date.UTC(2026, 0, 2));
    expect(parseLabelTime('1700000000000')).toBe(1_700_000_000_000);
    expect(parseLabelTime(1_700_000_000_000)).toBe(1_700_000_000_000);
    for (const value of ['', 'soon', true, null, undefined]) expect(parseLabelTime(value)).toBeUndefined();
  });
});
