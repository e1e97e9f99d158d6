import type { AttributeValue } from '../crm/vocabulary.js';
import type { StoreContext } from './db.js';
import type { WriteBackRow } from './scores.js';

/** What shaped a target's last write-back plan, and when it was made (migration 8). */
export interface WriteBackPlanState {
  fingerprint: string;
  plannedAt: number;
}

const LIVE = 'r.archived_at IS NULL AND r.merged_into IS NULL';

/**
 * The write-back's plan bookkeeping: the records queued for a new look (by triggers on scores and records), and
 * each target's last plan. A parked write is always looked at again, as a full plan would.
 */
export class WriteBackPlans {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  lastPlan(target: string): WriteBackPlanState | undefined {
    const row = this.#ctx.sql
      .raw<[string], [string, number]>('SELECT fingerprint, planned_at FROM writeback_plans WHERE target = ?')
      .get(target);
    return row === undefined ? undefined : { fingerprint: row[0], plannedAt: row[1] };
  }

  /**
   * The live scored records of `source` queued since the last plan, or with a parked write to it, in id order.
   * The write-back target is the record's source.
   */
  scoresToReplan(source: string, page: { afterId: number; limit: number }): WriteBackRow[] {
    const rows = this.#ctx.sql
      .raw<[string, string, number, number], unknown[]>(
        'SELECT r.external_id, r.properties, s.score, s.fit, s.engagement, s.band, s.stage, s.reasons_text, ' +
          's.ruleset_hash, s.as_of, s.events_seq, s.computed_at, s.changed_at, r.id ' +
          'FROM records AS r JOIN scores AS s ON s.record_id = r.id ' +
          'WHERE r.id IN (SELECT record_id FROM writeback_replan UNION ' +
          "SELECT record_id FROM outbox WHERE target = ? AND status = 'parked') " +
          `AND r.source = ? AND ${LIVE} AND r.id > ? ORDER BY r.id LIMIT ?`,
      )
      .all(source, source, page.afterId, page.limit);
    return rows.map((row) => ({
      recordId: row[13] as number,
      externalId: row[0] as string,
      score: {
        recordId: row[13] as number,
        score: row[2] as number,
        fit: row[3] as number,
        engagement: row[4] as number,
        band: row[5] as string,
        stage: row[6] as string | null,
        reasonsText: row[7] as string,
        rulesetHash: row[8] as string,
        asOf: row[9] as number,
        eventsSeq: row[10] as number,
        computedAt: row[11] as number,
        changedAt: row[12] as number,
      },
      crmValues: JSON.parse(row[1] as string) as Record<string, AttributeValue>,
    }));
  }

  /** Records the plan for `source` made with `fingerprint` and clears its records' queue. */
  finishPlan(source: string, fingerprint: string, at: number): void {
    const { sql, tx } = this.#ctx;
    tx(() => {
      sql
        .get('DELETE FROM writeback_replan WHERE record_id IN (SELECT id FROM records WHERE source = ?)')
        .run(source);
      sql
        .get(
          'INSERT INTO writeback_plans (target, fingerprint, planned_at) VALUES (?, ?, ?) ' +
            'ON CONFLICT (target) DO UPDATE SET fingerprint = excluded.fingerprint, planned_at = excluded.planned_at',
        )
        .run(source, fingerprint, at);
    });
  }
}
