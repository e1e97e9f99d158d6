import { describe, expect, it } from 'vitest';
import type { EngagementEvent, LeadRecord } from '../../src/crm/vocabulary.js';
import { buildTrainingSet, leadFeatures, likelihoodFields } from '../../src/model/crm.js';
import { trainLeadModel } from '../../src/model/model.js';
import { createRandom } from '../../src/model/random.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

function record(id: string, extra: Partial<LeadRecord> = {}): LeadRecord {
  return {
    source: 'file',
    externalId: id,
    email: `${id}@acme.example`,
    createdAt: T0,
    properties: {},
    ...extra,
  };
}

function event(id: string, type: EngagementEvent['type'], day: number): EngagementEvent {
  return {
    source: 'file',
    sourceId: `${id}-${type}-${day}`,
    recordExternalId: id,
    type,
    occurredAt: T0 + day * DAY,
    attributes: {},
  };
}

describe('CRM training data (pure)', () => {
  it('given events before and after the cutoff, when features are taken, then only earlier events count', () => {
    const events = [event('a', 'page_view', 1), event('a', 'page_view', 9), event('a', 'meeting_held', 12)];
    const row = leadFeatures(record('a'), events, T0 + 10 * DAY);
    expect(row['page_view in 7d']).toBe(1);
    expect(row['page_view in 30d']).toBe(2);
    expect(row['meeting_held in 90d']).toBe(0);
    expect(row['days since last event']).toBe(1);
    expect(row.leadAgeDays).toBe(10);
    expect(row.emailDomain).toBe('acme.example');
  });

  it('given sales-set fields, when features are taken, then owner and lifecycle stage are left out', () => {
    const row = leadFeatures(record('a', { ownerId: 'rep-1', lifecycleStage: 'customer' }), [], T0);
    expect(Object.values(row)).not.toContain('rep-1');
    expect(Object.values(row)).not.toContain('customer');
  });

  it('given labelled leads, when a model is trained and applied, then demo requests raise the likelihood with a reason', () => {
    const random = createRandom(3);
    const leads = Array.from({ length: 600 }, (_, index) => {
      const id = `lead-${index}`;
      const demo = random() < 0.4;
      const events = demo ? [event(id, 'demo_request', 20)] : [event(id, 'page_view', 20)];
      const converted = random() < (demo ? 0.7 : 0.15);
      return { record: record(id), events, label: converted, labelAt: T0 + 30 * DAY + index * 1000 };
    });
    const set = buildTrainingSet(leads);
    expect(set.rows).toHaveLength(600);
    const model = trainLeadModel(set.rows, set.labels, {
      columns: set.columns,
      timeOrder: set.time,
      seed: 1,
    });
    const fields = likelihoodFields(
      model,
      [
        { record: record('new-1'), events: [event('new-1', 'demo_request', 40)] },
        { record: record('new-2'), events: [event('new-2', 'page_view', 40)] },
      ],
      T0 + 45 * DAY,
    );
    expect(fields[0]!.likelihood).toBeGreaterThan(fields[1]!.likelihood + 20);
    expect(fields[0]!.reasons).toMatch(/demo_request in (30|90)d: .*\(\+\)/);
    expect(fields[0]!.reasons.length).toBeLessThanOrEqual(255);
  });
});
