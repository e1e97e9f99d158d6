import type { EngagementEvent, LeadRecord } from '../../src/crm/vocabulary.js';
import { createRandom } from '../../src/model/random.js';
import { type RuleSet, ruleSetSchema } from '../../src/scoring/rules-schema.js';
import type { Store } from '../../src/store/index.js';

export const DAY = 86_400_000;
/** "Now" of every synthetic store: fixed, so tests never depend on the clock. */
export const NOW = Date.UTC(2026, 10, 1);

export interface SyntheticLeads {
  records: LeadRecord[];
  events: EngagementEvent[];
  /** External id -> conversion moment, for converted leads. */
  convertedAt: Map<string, number>;
}

/**
 * A small HubSpot-shaped portal: leads created over 300 days; a demo request (and, less so, the Software industry)
 * raises the chance of becoming an opportunity a few days later; email opens carry no signal. Converted leads have
 * `hs_lifecyclestage_opportunity_date`, as HubSpot's contacts do. Opens fall in the first two days, before any
 * conversion, so that a lack of signal is not blurred by converted leads having had less time to open.
 */
export function syntheticLeads(options: {
  leads: number;
  seed: number;
  demoLift?: number;
  /** The portal's "now" (default NOW). */
  now?: number;
}): SyntheticLeads {
  const now = options.now ?? NOW;
  const random = createRandom(options.seed);
  const records: LeadRecord[] = [];
  const events: EngagementEvent[] = [];
  const convertedAt = new Map<string, number>();
  for (let index = 0; index < options.leads; index++) {
    const id = String(1000 + index);
    const createdAt = now - Math.floor((40 + random() * 300) * DAY);
    const software = random() < 0.4;
    const record: LeadRecord = {
      source: 'hubspot',
      externalId: id,
      email: `lead${index}@${software ? 'soft' : 'shop'}${index % 7}.example`,
      industry: software ? 'Software' : 'Retail',
      title: random() < 0.5 ? 'VP Sales' : 'Analyst',
      createdAt,
      lifecycleStage: 'lead',
      properties: {},
    };
    const push = (type: EngagementEvent['type'], at: number) =>
      events.push({
        source: 'hubspot',
        sourceId: `${id}-${type}-${events.length}`,
        recordExternalId: id,
        type,
        occurredAt: at,
        attributes: {},
      });
    for (let open = 0; open < Math.floor(random() * 4); open++)
      push('email_open', createdAt + (0.1 + random() * 1.5) * DAY);
    const demo = random() < 0.3;
    const demoAt = createdAt + Math.floor((2 + random() * 20) * DAY);
    if (demo) push('demo_request', demoAt);
    const chance = 0.04 + (demo ? (options.demoLift ?? 0.45) : 0) + (software ? 0.06 : 0);
    if (random() < chance) {
      const at = (demo ? demoAt : createdAt) + Math.floor((3 + random() * 10) * DAY);
      if (at < now - DAY) {
        convertedAt.set(id, at);
        record.lifecycleStage = 'opportunity';
        record.properties.hs_lifecyclestage_opportunity_date = new Date(at).toISOString();
      }
    }
    records.push(record);
  }
  return { records, events, convertedAt };
}

export function fillStore(store: Store, leads: SyntheticLeads): void {
  store.upsertRecords(leads.records, NOW);
  store.insertEvents(leads.events);
}

/** Demo requests (strong signal), the Software industry (some) and email opens (none). */
export const TEST_RULES: RuleSet = ruleSetSchema.parse({
  version: 1,
  name: 'test rules',
  fit: {
    rules: [
      {
        id: 'software',
        label: 'Software company',
        points: 5,
        field: 'industry',
        op: 'equals',
        value: 'Software',
      },
    ],
  },
  engagement: {
    rules: [
      { id: 'demo', label: 'Requested a demo', points: 3, event: 'demo_request' },
      { id: 'opens', label: 'Opened an email', points: 15, event: 'email_open', once: true },
    ],
  },
  bands: { fit: { A: 20, B: 10, C: 5 }, engagement: { '1': 20, '2': 10 } },
});
