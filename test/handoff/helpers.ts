import { handoffSchema } from '../../src/config/schema.js';
import type { LeadRecord } from '../../src/crm/vocabulary.js';
import type { CrmOwner, LifecycleDefaults } from '../../src/handoff/ports.js';
import { type HandoffSettings, resolveHandoffSettings } from '../../src/handoff/settings.js';
import { resolveStage, type Stage } from '../../src/scoring/stages.js';
import type { Store } from '../../src/store/index.js';
import { result } from '../store/helpers.js';

export const STAGES: Stage[] = [
  { name: 'MQL', minScore: 50, hysteresis: 5 },
  { name: 'SQL', minScore: 80, hysteresis: 5 },
];

export const HUBSPOT_LIFECYCLE: LifecycleDefaults = {
  field: 'lifecyclestage',
  values: { MQL: 'marketingqualifiedlead', SQL: 'salesqualifiedlead' },
  order: ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer'],
};

/** Settings from a `handoff:` config section, as a user writes it. */
export function settingsFrom(
  config: Record<string, unknown>,
  secrets: Record<string, string> = {},
  lifecycle: LifecycleDefaults = HUBSPOT_LIFECYCLE,
): HandoffSettings {
  return resolveHandoffSettings(
    handoffSchema.parse({ enabled: true, ...config }),
    STAGES,
    lifecycle,
    (ref) => ('env' in ref ? (secrets[ref.env] ?? '') : (secrets[ref.secret] ?? '')),
  );
}

export function owners(...list: Array<[id: string, active: boolean]>): Map<string, CrmOwner> {
  return new Map(list.map(([id, active]) => [id, { id, active, name: `Owner ${id}`, email: null }]));
}

/**
 * Scores a stored record through a series of totals as the pipeline would: each stage resolved with hysteresis
 * from the one before, saved with saveScores (which writes a ledger row when anything changed).
 */
export function scoreSeries(
  store: Store,
  source: string,
  externalId: string,
  scores: number[],
  options: { start: number; stepMs?: number; reasons?: string } = { start: 0 },
): Array<string | null> {
  const record = store.getRecordByExternalId(source, externalId);
  if (!record) throw new Error(`no record ${externalId}`);
  const stages: Array<string | null> = [];
  let at = options.start;
  for (const score of scores) {
    const previous = store.getScore(record.id);
    const stage = resolveStage(STAGES, score, previous?.stage ?? null);
    store.saveScores(
      [
        {
          recordId: record.id,
          eventsSeq: (previous?.eventsSeq ?? 0) + 1,
          previous: previous
            ? {
                score: previous.score,
                fit: previous.fit,
                engagement: previous.engagement,
                band: previous.band,
                stage: previous.stage,
                reasonsText: previous.reasonsText,
                rulesetHash: previous.rulesetHash,
                asOf: previous.asOf,
                eventsSeq: previous.eventsSeq,
              }
            : null,
          result: result(score, {
            stage,
            band: score >= 80 ? 'A1' : 'B2',
            reasonsText:
              options.reasons ?? 'Visited pricing 3 times (+20); VP title (+15); Company size 500 (+10)',
          }),
        },
      ],
      { rulesetHash: 'rules-1', asOf: at, at },
    );
    stages.push(stage);
    at += options.stepMs ?? 60_000;
  }
  return stages;
}

export function leadRecord(
  source: string,
  externalId: string,
  overrides: Partial<LeadRecord> = {},
): LeadRecord {
  return {
    source,
    externalId,
    email: `${externalId}@example.com`,
    firstName: 'Ada',
    lastName: `Lovelace ${externalId}`,
    company: 'Acme',
    companySize: 120,
    country: 'DE',
    properties: {},
    ...overrides,
  };
}
