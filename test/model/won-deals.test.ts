import { describe, expect, it } from 'vitest';
import { type EngagementEvent, type LeadRecord, WON_DEAL_AT_PROPERTY } from '../../src/crm/vocabulary.js';
import { LeadscoreError } from '../../src/errors.js';
import { leadFeatures } from '../../src/model/crm.js';
import { scanLabelledLeads, trainFromStore } from '../../src/model/training.js';
import { openStore, type Store } from '../../src/store/index.js';
import { DAY, fillStore, NOW, type SyntheticLeads, syntheticLeads } from './fixture.js';

/**
 * The synthetic portal with its conversions recorded only as won deals (HubSpot) or won opportunities
 * (Salesforce): no lifecycle stage, no lifecycle dates, no IsConverted. Salesforce gives CloseDate as a date.
 */
function asWonDeals(leads: SyntheticLeads, source: 'hubspot' | 'salesforce'): SyntheticLeads {
  const records: LeadRecord[] = leads.records.map((record) => {
    const at = leads.convertedAt.get(record.externalId);
    const properties: LeadRecord['properties'] = {};
    if (at !== undefined) properties[WON_DEAL_AT_PROPERTY] = source === 'hubspot' ? at : isoDate(at);
    return { ...record, source, lifecycleStage: source === 'hubspot' ? 'lead' : 'Open', properties };
  });
  const events = leads.events.map((event) => ({ ...event, source }));
  const convertedAt = new Map(
    [...leads.convertedAt].map(([id, at]) => [id, source === 'hubspot' ? at : Date.parse(isoDate(at))]),
  );
  return { records, events, convertedAt };
}

const isoDate = (at: number) => new Date(at).toISOString().slice(0, 10);

/** The sales process after a win: a demo request and meetings from the close date on. */
function withActivityAfterWinning(leads: SyntheticLeads, source: string): SyntheticLeads {
  const events: EngagementEvent[] = [...leads.events];
  for (const [id, at] of leads.convertedAt) {
    for (let index = 0; index < 5; index++) {
      events.push({
        source,
        sourceId: `${id}-after-${index}`,
        recordExternalId: id,
        type: index === 0 ? 'demo_request' : 'meeting_held',
        occurredAt: at + index * 3_600_000,
        attributes: {},
      });
    }
  }
  return { ...leads, events };
}

function storeWith(leads: SyntheticLeads): Store {
  const store = openStore(':memory:');
  fillStore(store, leads);
  return store;
}

describe('training on won deals and opportunities', () => {
  it.each(['hubspot', 'salesforce'] as const)(
    'given %s conversions known only from won deals with activity after the win, when trained, then no event at or after the close date reaches the features',
    (source) => {
      const won = asWonDeals(syntheticLeads({ leads: 700, seed: 7 }), source);
      const plain = storeWith(won);
      const leaky = storeWith(withActivityAfterWinning(won, source));
      try {
        let positives = 0;
        const counts = scanLabelledLeads(leaky, { cutoff: NOW }, (entry) => {
          if (entry.label !== 1) return;
          positives++;
          expect(entry.labelAt).toBe(won.convertedAt.get(entry.record.externalId));
          const before = entry.events.filter((event) => event.occurredAt < entry.labelAt);
          expect(entry.events.length).toBeGreaterThan(before.length);
          expect(leadFeatures(entry.record, entry.events, entry.labelAt)).toEqual(
            leadFeatures(entry.record, before, entry.labelAt),
          );
        });
        expect(positives).toBe(won.convertedAt.size);
        expect(counts.excluded['converted-without-date']).toBe(0);
        const a = trainFromStore(plain, { now: NOW, seed: 3 });
        const b = trainFromStore(leaky, { now: NOW, seed: 3 });
        expect(a.positives).toBe(won.convertedAt.size);
        expect(b.body).toBe(a.body);
      } finally {
        plain.close();
        leaky.close();
      }
    },
  );

  it('given a HubSpot contact whose deal was won before it became an opportunity, when trained, then its row is featured as of the deal', () => {
    const leads = syntheticLeads({ leads: 300, seed: 5 });
    const [id, at] = [...leads.convertedAt][0]!;
    const record = leads.records.find((candidate) => candidate.externalId === id)!;
    record.properties[WON_DEAL_AT_PROPERTY] = at - 2 * DAY;
    const store = storeWith(leads);
    try {
      const seen: number[] = [];
      scanLabelledLeads(store, { cutoff: NOW }, (entry) => {
        if (entry.record.externalId === id) seen.push(entry.labelAt);
      });
      expect(seen).toEqual([at - 2 * DAY]);
    } finally {
      store.close();
    }
  });

  it('given the won-deal property opted in as a feature, when trained, then it refuses with a coded error naming it', () => {
    const store = storeWith(asWonDeals(syntheticLeads({ leads: 300, seed: 5 }), 'hubspot'));
    try {
      let refused: unknown;
      try {
        trainFromStore(store, {
          now: NOW,
          minPositives: 5,
          properties: ['industry_x', WON_DEAL_AT_PROPERTY],
        });
      } catch (error) {
        refused = error;
      }
      expect(refused).toBeInstanceOf(LeadscoreError);
      expect((refused as LeadscoreError).code).toBe('ERR_MODEL_INPUT');
      expect((refused as LeadscoreError).message).toContain(WON_DEAL_AT_PROPERTY);
      expect((refused as LeadscoreError).message).not.toContain('industry_x');
    } finally {
      store.close();
    }
  });
});
