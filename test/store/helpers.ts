import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { EngagementEvent, EventType, LeadRecord } from '../../src/crm/vocabulary.js';
import type { Contribution, ScoreResult } from '../../src/scoring/types.js';
import { openStore, type Store } from '../../src/store/index.js';

const cleanups: Array<() => void> = [];

afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

/** A fresh directory under the OS temp dir, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'leadscore-store-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A store in a fresh temp file, closed after the test. */
export function tempStore(): { store: Store; path: string } {
  const path = join(tempDir(), 'leadscore.db');
  const store = openStore(path);
  cleanups.push(() => store.close());
  return { store, path };
}

/** Registers a store opened by the test itself for closing. */
export function closeLater(store: Store): Store {
  cleanups.push(() => store.close());
  return store;
}

export function lead(externalId: string, overrides: Partial<LeadRecord> = {}): LeadRecord {
  return {
    source: 'hubspot',
    externalId,
    email: `${externalId}@example.com`,
    company: 'Acme',
    companySize: 120,
    properties: { hs_lead_status: 'NEW' },
    ...overrides,
  };
}

export function event(
  sourceId: string,
  recordExternalId: string,
  occurredAt: number,
  type: EventType = 'page_view',
  attributes: EngagementEvent['attributes'] = {},
): EngagementEvent {
  return { source: 'hubspot', sourceId, recordExternalId, type, occurredAt, attributes };
}

export function contribution(ruleId: string, points: number, eventIds: string[] = []): Contribution {
  return {
    ruleId,
    label: `Rule ${ruleId}`,
    section: 'engagement',
    subScore: 'engagement',
    points,
    basePoints: points,
    count: eventIds.length,
    skipped: 0,
    capped: false,
    decayFactor: 1,
    eventIds,
  };
}

export function result(score: number, overrides: Partial<ScoreResult> = {}): ScoreResult {
  return {
    score,
    fit: Math.floor(score / 2),
    engagement: score - Math.floor(score / 2),
    fitGrade: 'B',
    engagementGrade: 2,
    band: 'B2',
    stage: null,
    contributions: [contribution('visit', score)],
    reasonsText: `score ${score}`,
    ...overrides,
  };
}
