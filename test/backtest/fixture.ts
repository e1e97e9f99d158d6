import type { EngagementEvent, LeadRecord } from '../../src/crm/vocabulary.js';
import { type RuleSet, ruleSetSchema } from '../../src/scoring/rules-schema.js';

export const DAY = 86_400_000;
/** The backtest's "today": a fixed instant, so the weeks fall the same way on every run. */
export const AS_OF = Date.UTC(2026, 10, 23);

/** Two fit points sources, one engagement rule, MQL at 50 and SQL at 80: scores a person can work out by hand. */
export function smallRules(demoPoints: number, mql = 50): RuleSet {
  return ruleSetSchema.parse({
    version: 1,
    name: `demo-${demoPoints}`,
    fit: {
      rules: [
        {
          id: 'fit.software',
          label: 'Software',
          points: 30,
          field: 'industry',
          op: 'equals',
          value: 'Software',
        },
      ],
    },
    engagement: {
      rules: [{ id: 'demo', label: 'Demo request', points: demoPoints, event: 'demo_request', once: true }],
    },
    bands: { fit: { A: 30, B: 20, C: 10 }, engagement: { '1': 50, '2': 15 } },
    stages: [
      { name: 'MQL', minScore: mql },
      { name: 'SQL', minScore: 80 },
    ],
  });
}

/**
 * r1: Software, demo 10 days ago, a customer since 3 days ago (a known conversion).
 * r2: Software, no events, around for a year, not converted (a known non-conversion).
 * r3: Retail, demo 3 days ago, created 5 days ago (too recent to know its outcome).
 */
export function smallHistory(): { records: LeadRecord[]; events: EngagementEvent[] } {
  const records: LeadRecord[] = [
    {
      source: 'hubspot',
      externalId: 'r1',
      email: 'ada@example.com',
      firstName: 'Ada',
      industry: 'Software',
      lifecycleStage: 'customer',
      createdAt: AS_OF - 200 * DAY,
      properties: { hs_lifecyclestage_customer_date: new Date(AS_OF - 3 * DAY).toISOString() },
    },
    {
      source: 'hubspot',
      externalId: 'r2',
      email: 'bob@example.com',
      firstName: 'Bob',
      industry: 'Software',
      lifecycleStage: 'lead',
      createdAt: AS_OF - 365 * DAY,
      properties: {},
    },
    {
      source: 'hubspot',
      externalId: 'r3',
      email: 'cy@example.com',
      firstName: 'Cy',
      industry: 'Retail',
      lifecycleStage: 'lead',
      createdAt: AS_OF - 5 * DAY,
      properties: {},
    },
  ];
  const event = (id: string, record: string, daysAgo: number): EngagementEvent => ({
    source: 'hubspot',
    sourceId: id,
    recordExternalId: record,
    type: 'demo_request',
    occurredAt: AS_OF - daysAgo * DAY,
    attributes: {},
  });
  return { records, events: [event('e1', 'r1', 10), event('e3', 'r3', 3)] };
}
