import { describe, expect, it } from 'vitest';
import { type LeadRecord, WON_DEAL_AT_PROPERTY } from '../../src/crm/vocabulary.js';
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

  describe('won deals and opportunities (WON_DEAL_AT_PROPERTY, filled by the connectors)', () => {
    const won = Date.parse('2026-05-20T15:30:00.000Z');

    it.each([
      ['a HubSpot contact with a closed-won deal (epoch ms)', hubspot({ [WON_DEAL_AT_PROPERTY]: won })],
      [
        'a HubSpot contact with a closed-won deal (ISO)',
        hubspot({ [WON_DEAL_AT_PROPERTY]: new Date(won).toISOString() }),
      ],
      [
        'an unconverted Salesforce lead with a won opportunity',
        salesforce({ IsConverted: false, [WON_DEAL_AT_PROPERTY]: won }),
      ],
      [
        'a Salesforce contact with a won opportunity (digits)',
        salesforce({ [WON_DEAL_AT_PROPERTY]: String(won) }),
      ],
      ['a file import with a won deal', { ...hubspot({ [WON_DEAL_AT_PROPERTY]: won }), source: 'import' }],
    ])(
      'given %s and no other conversion, when labelled, then it is positive as of the close date',
      (_, record) => {
        expect(labelRecord(record, { cutoff: CUTOFF })).toEqual({ kind: 'positive', labelAt: won });
      },
    );

    it('given a HubSpot customer whose won deal closed before its lifecycle dates, when labelled, then the deal is the moment', () => {
      const record = hubspot(
        {
          hs_lifecyclestage_opportunity_date: '2026-06-01T00:00:00.000Z',
          hs_lifecyclestage_customer_date: '2026-07-01T00:00:00.000Z',
          [WON_DEAL_AT_PROPERTY]: won,
        },
        { lifecycleStage: 'customer' },
      );
      expect(labelRecord(record, { cutoff: CUTOFF })).toEqual({ kind: 'positive', labelAt: won });
    });

    it('given a converted Salesforce lead whose opportunity was won later, when labelled, then ConvertedDate stays the moment', () => {
      const record = salesforce({
        IsConverted: true,
        ConvertedDate: '2026-04-15',
        [WON_DEAL_AT_PROPERTY]: won,
      });
      expect(labelRecord(record, { cutoff: CUTOFF })).toEqual({
        kind: 'positive',
        labelAt: Date.UTC(2026, 3, 15),
      });
    });

    it('given a won deal closed after the cut-off, when labelled, then it is not yet known: negative as of the cut-off', () => {
      const record = hubspot({ [WON_DEAL_AT_PROPERTY]: CUTOFF + DAY });
      expect(labelRecord(record, { cutoff: CUTOFF })).toEqual({ kind: 'negative', labelAt: CUTOFF });
    });

    it('given a won-deal value that is not a time, when labelled, then the record is left out rather than called unconverted', () => {
      for (const record of [
        hubspot({ [WON_DEAL_AT_PROPERTY]: 'soon' }),
        salesforce({ [WON_DEAL_AT_PROPERTY]: 'x' }),
      ]) {
        expect(labelRecord(record, { cutoff: CUTOFF })).toEqual({
          kind: 'excluded',
          reason: 'converted-without-date',
        });
      }
    });

    it('given an empty won-deal value, when labelled, then the lead is an ordinary negative', () => {
      for (const value of ['', null]) {
        expect(labelRecord(hubspot({ [WON_DEAL_AT_PROPERTY]: value }), { cutoff: CUTOFF }).kind).toBe(
          'negative',
        );
      }
    });
  });

  it('given CRM time values, when parsed, then ISO, dates and epoch ms are read and the rest is not a time', () => {
    expect(parseLabelTime('2026-01-02')).toBe(Date.UTC(2026, 0, 2));
    expect(parseLabelTime('1700000000000')).toBe(1_700_000_000_000);
    expect(parseLabelTime(1_700_000_000_000)).toBe(1_700_000_000_000);
    for (const value of ['', 'soon', true, null, undefined]) expect(parseLabelTime(value)).toBeUndefined();
  });
});
