import { type AttributeValue, EVENT_TYPES, type EventType, type LeadRecord } from '../crm/vocabulary.js';
import type { ScoreResult, ScoringEvent } from '../scoring/types.js';
import { packContributions, type RuleFactsById, ruleFactsOf, unpackContributions } from './contributions.js';
import type { StoreContext } from './db.js';
import { LazyEvent } from './events.js';
import { RECORD_COLUMNS, recordFromTuple } from './records.js';

/** What a record's stored score was before this scoring pass, as the reader hands it over. */
export interface PreviousScore {
  score: number;
  fit: number;
  engagement: number;
  band: string;
  stage: string | null;
  reasonsText: string;
  /**
   * The stored contributions JSON text, exactly as saved; only when the chunk was loaded `withContributions`
   * (unpacking them costs about as much as reading all the events, and saving does not need them).
   */
  contributionsJson?: string;
  /**
   * The contributions column as stored (compact, not unpacked). saveScores compares a new score's packed text
   * with it to skip rewriting an unchanged score; absent, it lets SQLite compare instead.
   */
  storedContributions?: string;
  rulesetHash: string;
  asOf: number;
  eventsSeq: number;
}

export interface ScoringRow {
  recordId: number;
  record: LeadRecord;
  /** The record's events ordered by occurredAt, then arrival. */
  events: ScoringEvent[];
  /** The highest event seq among `events` (0 when none): save it with the score. */
  eventsSeq: number;
  previous: PreviousScore | null;
}

export interface LoadChunkOptions {
  /** Records with an id greater than this, in id order: pass the last row's recordId to page on. */
  afterId: number;
  limit: number;
  /** Only records that are dirty, unscored, scored with another rulesetHash, or scored as of before asOf. */
  only?: 'dirtyOrStale';
  rulesetHash?: string;
  asOf?: number;
  /** Also read each previous score's contributions JSON (PreviousScore.contributionsJson). */
  withContributions?: boolean;
}

export interface SaveScoreRow {
  recordId: number;
  result: ScoreResult;
  eventsSeq: number;
  previous: PreviousScore | null;
}

export interface SaveScoresMeta {
  rulesetHash: string;
  asOf: number;
  /** When the scores were computed (epoch ms). */
  at: number;
}

export interface SaveScoresResult {
  /** Records whose stored score row changed in anything but asOf/computedAt (score, parts, reasons, contributions, rules). */
  changed: number;
  /** Ledger rows written: one per record whose score, band, stage or reasons text changed. */
  ledgerRows: number;
}

export type LedgerCause = 'initial' | 'rules' | 'events' | 'decay' | 'merge';

export interface StoredScore {
  recordId: number;
  score: number;
  fit: number;
  engagement: number;
  band: string;
  stage: string | null;
  /** The contributions as stored: `JSON.stringify(result.contributions)`, byte for byte; parse when needed. */
  contributionsJson: string;
  reasonsText: string;
  rulesetHash: string;
  asOf: number;
  eventsSeq: number;
  /** When the row last changed: its score, parts or asOf/events (a rerun that reproduces all of them keeps it). */
  computedAt: number;
  /** When score, band, stage or reasons text last changed (the latest ledger row), not when last computed. */
  changedAt: number;
}

/** A live scored record of one source, with what the write-back compares against. */
export interface WriteBackRow {
  recordId: number;
  externalId: string;
  /** The stored score without its contributions (the write-back does not send them). */
  score: Omit<StoredScore, 'contributionsJson'>;
  /** The record's CRM properties as last pulled, to notice a person overwriting a written field. */
  crmValues: Readonly<Record<string, AttributeValue>>;
}

export interface LedgerEntry {
  id: number;
  recordId: number;
  at: number;
  oldScore: number | null;
  newScore: number;
  oldBand: string | null;
  newBand: string;
  oldStage: string | null;
  newStage: string | null;
  rulesetHash: string;
  cause: LedgerCause;
  /** Source ids of the new events behind an 'events' change (newest first, at most 50); empty otherwise. */
  eventIds: string[];
}

export interface TopScoresOptions {
  limit: number;
  stage?: string;
  band?: string;
}

/** At most this many event ids are quoted in one ledger row. */
const LEDGER_EVENT_IDS = 50;

/** Beyond this ratio of id span to chunk size, events are fetched by id list rather than by id range. */
const SPARSE_CHUNK_RATIO = 2;

const LIVE = 'r.archived_at IS NULL AND r.merged_into IS NULL';
const PREFIXED_RECORD_COLUMNS = RECORD_COLUMNS.split(', ')
  .map((column) => `r.${column}`)
  .join(', ');
const SCORE_COLUMNS =
  's.score, s.fit, s.engagement, s.band, s.stage, s.reasons_text, s.contributions, s.ruleset_hash, s.as_of, ' +
  's.events_seq, s.computed_at, s.changed_at, s.record_id';

/** Columns 0..15 are RECORD_COLUMNS, then r.id, then SCORE_COLUMNS from index 17. */
const CHUNK_SELECT = `SELECT ${PREFIXED_RECORD_COLUMNS}, r.id, ${SCORE_COLUMNS} FROM records AS r LEFT JOIN scores AS s ON s.record_id = r.id`;
const SCORE_OFFSET = 17;

type EventTuple = [
  recordId: number,
  seq: number,
  sourceId: string,
  /** The index in EVENT_TYPES, or the stored text for a type this version does not know. */
  type: number | string,
  occurredAt: number,
  attributes: string | null,
];
// The type as its index in EVENT_TYPES, mapped back to the shared constant strings: one fresh string per event
// fewer halved the reader's time on 1M events (the allocations, and the collections they caused, dominated it).
const TYPE_INDEX = `CASE type ${EVENT_TYPES.map((type, index) => `WHEN '${type}' THEN ${index}`).join(' ')} ELSE type END`;
const EVENT_COLUMNS = `record_id, seq, source_id, ${TYPE_INDEX}, occurred_at, attributes`;
const EVENT_ORDER = 'ORDER BY record_id, occurred_at, seq';

/** The contributions JSON of a stored score row, from its stored text and ruleset hash. */
type Unpack = (text: string, rulesetHash: string) => string;

function previousFromTuple(
  row: readonly unknown[],
  unpack: Unpack,
  withContributions: boolean,
): PreviousScore | null {
  if (row[SCORE_OFFSET] === null) return null;
  const previous: PreviousScore = {
    score: row[SCORE_OFFSET] as number,
    fit: row[SCORE_OFFSET + 1] as number,
    engagement: row[SCORE_OFFSET + 2] as number,
    band: row[SCORE_OFFSET + 3] as string,
    stage: row[SCORE_OFFSET + 4] as string | null,
    reasonsText: row[SCORE_OFFSET + 5] as string,
    rulesetHash: row[SCORE_OFFSET + 7] as string,
    asOf: row[SCORE_OFFSET + 8] as number,
    eventsSeq: row[SCORE_OFFSET + 9] as number,
  };
  const contributions = row[SCORE_OFFSET + 6] as string;
  previous.storedContributions = contributions;
  if (withContributions) previous.contributionsJson = unpack(contributions, previous.rulesetHash);
  return previous;
}

function storedScoreFromTuple(row: readonly unknown[], offset: number, unpack: Unpack): StoredScore {
  return {
    score: row[offset] as number,
    fit: row[offset + 1] as number,
    engagement: row[offset + 2] as number,
    band: row[offset + 3] as string,
    stage: row[offset + 4] as string | null,
    reasonsText: row[offset + 5] as string,
    contributionsJson: unpack(row[offset + 6] as string, row[offset + 7] as string),
    rulesetHash: row[offset + 7] as string,
    asOf: row[offset + 8] as number,
    eventsSeq: row[offset + 9] as number,
    computedAt: row[offset + 10] as number,
    changedAt: row[offset + 11] as number,
    recordId: row[offset + 12] as number,
  };
}

interface LedgerRow {
  id: number;
  record_id: number;
  at: number;
  old_score: number | null;
  new_score: number;
  old_band: string | null;
  new_band: string;
  old_stage: string | null;
  new_stage: string | null;
  ruleset_hash: string;
  cause: LedgerCause;
  event_ids: string | null;
}

export class Scores {
  readonly #ctx: StoreContext;
  /** Rule facts per stored rule set hash: a hash names one body for good, so they never go stale. */
  readonly #facts = new Map<string, RuleFactsById>();
  readonly #unpack: Unpack = (text, rulesetHash) => unpackContributions(text, this.#factsFor(rulesetHash));

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  /** The facts of a stored rule set; undefined when it is not stored (its scores' contributions are kept whole). */
  #factsFor(rulesetHash: string): RuleFactsById | undefined {
    let facts = this.#facts.get(rulesetHash);
    if (facts === undefined) {
      const row = this.#ctx.sql
        .raw<[string], [string]>('SELECT body FROM rulesets WHERE hash = ?')
        .get(rulesetHash);
      if (row === undefined) return undefined;
      facts = ruleFactsOf(row[0]);
      this.#facts.set(rulesetHash, facts);
    }
    return facts;
  }

  /**
   * One chunk of live records with their events and previous scores, for the scoring pass. Two statements
   * whatever the chunk size: the records, then their events by id range (or by id list when a filtered chunk is
   * sparse), merged in memory.
   */
  loadScoringChunk(options: LoadChunkOptions): ScoringRow[] {
    const { sql } = this.#ctx;
    const select = CHUNK_SELECT;
    let recordRows: unknown[][];
    if (options.only !== 'dirtyOrStale') {
      recordRows = sql
        .raw<[number, number], unknown[]>(`${select} WHERE r.id > ? AND ${LIVE} ORDER BY r.id LIMIT ?`)
        .all(options.afterId, options.limit);
    } else if (!this.#anyStaleScore(options.rulesetHash, options.asOf)) {
      // Every live score is current, so only dirty records qualify: read them from dirty_records rather
      // than scanning every record. (A live record without a score is always dirty: records are inserted dirty,
      // and scores are only deleted for records merged away.)
      recordRows = sql
        .raw<[number, number], unknown[]>(
          `${select.replace('FROM records AS r', 'FROM dirty_records AS d CROSS JOIN records AS r ON r.id = d.record_id')} ` +
            `WHERE d.record_id > ? AND ${LIVE} ORDER BY d.record_id LIMIT ?`,
        )
        .all(options.afterId, options.limit);
    } else {
      const params: Array<number | string> = [options.afterId];
      const stale = [
        'EXISTS (SELECT 1 FROM dirty_records AS d WHERE d.record_id = r.id)',
        's.record_id IS NULL',
      ];
      if (options.rulesetHash !== undefined) {
        stale.push('s.ruleset_hash <> ?');
        params.push(options.rulesetHash);
      }
      if (options.asOf !== undefined) {
        stale.push('s.as_of < ?');
        params.push(options.asOf);
      }
      params.push(options.limit);
      recordRows = sql
        .raw<Array<number | string>, unknown[]>(
          `${select} WHERE r.id > ? AND ${LIVE} AND (${stale.join(' OR ')}) ORDER BY r.id LIMIT ?`,
        )
        .all(...params);
    }
    if (recordRows.length === 0) return [];

    const rows: ScoringRow[] = recordRows.map((row) => ({
      recordId: row[16] as number,
      record: recordFromTuple(row),
      events: [],
      eventsSeq: 0,
      previous: previousFromTuple(row, this.#unpack, options.withContributions === true),
    }));
    const first = rows[0]!.recordId;
    const last = rows[rows.length - 1]!.recordId;
    const eventRows =
      last - first + 1 <= rows.length * SPARSE_CHUNK_RATIO
        ? sql
            .raw<[number, number], EventTuple>(
              `SELECT ${EVENT_COLUMNS} FROM events WHERE record_id BETWEEN ? AND ? ${EVENT_ORDER}`,
            )
            .all(first, last)
        : sql
            .raw<[string], EventTuple>(
              `SELECT ${EVENT_COLUMNS} FROM events WHERE record_id IN (SELECT value FROM json_each(?)) ${EVENT_ORDER}`,
            )
            .all(JSON.stringify(rows.map((row) => row.recordId)));

    // Both lists are sorted by record id: walk them together. Indexed access, not destructuring: this loop
    // runs once per event (a million times in a full rescore).
    let index = 0;
    let current = rows[0]!;
    for (let i = 0; i < eventRows.length; i++) {
      const event = eventRows[i]!;
      const recordId = event[0];
      if (recordId !== current.recordId) {
        while (index < rows.length - 1 && rows[index]!.recordId < recordId) index++;
        current = rows[index]!;
        if (current.recordId !== recordId) continue;
      }
      const type = event[3];
      current.events.push(
        new LazyEvent(
          event[2],
          typeof type === 'number' ? EVENT_TYPES[type]! : (type as EventType),
          event[4],
          event[5],
        ),
      );
      if (event[1] > current.eventsSeq) current.eventsSeq = event[1];
    }
    return rows;
  }

  /**
   * Whether a live record's score was computed with another rule set or as of before `asOf`. Given a rule set
   * hash it is answered from the scores_freshness index (the range form of `<>` lets SQLite use it), joined to
   * records only for the matches; archived records' stale scores are skipped, so many of them slow it down.
   */
  #anyStaleScore(rulesetHash: string | undefined, asOf: number | undefined): boolean {
    if (rulesetHash === undefined && asOf === undefined) return false;
    const { sql } = this.#ctx;
    const exists = (stale: string) =>
      `SELECT 1 FROM scores AS s JOIN records AS r ON r.id = s.record_id WHERE (${stale}) AND ${LIVE} LIMIT 1`;
    let row: unknown;
    if (rulesetHash === undefined) row = sql.raw<[number]>(exists('s.as_of < ?')).get(asOf!);
    else if (asOf === undefined) {
      row = sql
        .raw<[string, string]>(exists('s.ruleset_hash < ? OR s.ruleset_hash > ?'))
        .get(rulesetHash, rulesetHash);
    } else {
      row = sql
        .raw<[string, string, string, number]>(
          exists('s.ruleset_hash < ? OR s.ruleset_hash > ? OR (s.ruleset_hash = ? AND s.as_of < ?)'),
        )
        .get(rulesetHash, rulesetHash, rulesetHash, asOf);
    }
    return row !== undefined;
  }

  /**
   * Saves scores and clears the records' dirty flags; writes a ledger row for each record whose score, band,
   * stage or reasons text changed. A dirty flag set by events that arrived after the chunk was read (seq above
   * the row's eventsSeq) is kept. One transaction.
   */
  saveScores(rows: readonly SaveScoreRow[], meta: SaveScoresMeta): SaveScoresResult {
    const { sql, tx } = this.#ctx;
    // Writes the row only when it is new or differs in substance (compared inside SQLite, so the reader need not
    // load the stored contributions); `touch` then moves an unchanged score to the new asOf / events.
    const upsert = sql.get(
      'INSERT INTO scores (record_id, score, fit, engagement, band, stage, contributions, reasons_text, ruleset_hash, ' +
        'as_of, events_seq, computed_at, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (record_id) DO UPDATE SET changed_at = CASE WHEN score IS excluded.score AND band IS excluded.band ' +
        'AND stage IS excluded.stage AND reasons_text IS excluded.reasons_text THEN changed_at ELSE excluded.changed_at END, ' +
        'score = excluded.score, fit = excluded.fit, engagement = excluded.engagement, band = excluded.band, ' +
        'stage = excluded.stage, contributions = excluded.contributions, reasons_text = excluded.reasons_text, ' +
        'ruleset_hash = excluded.ruleset_hash, as_of = excluded.as_of, events_seq = excluded.events_seq, ' +
        'computed_at = excluded.computed_at ' +
        'WHERE score IS NOT excluded.score OR fit IS NOT excluded.fit OR engagement IS NOT excluded.engagement ' +
        'OR band IS NOT excluded.band OR stage IS NOT excluded.stage OR reasons_text IS NOT excluded.reasons_text ' +
        'OR ruleset_hash IS NOT excluded.ruleset_hash OR contributions IS NOT excluded.contributions',
    );
    const touch = sql.get<[number, number, number, number]>(
      'UPDATE scores SET as_of = ?, events_seq = ?, computed_at = ? WHERE record_id = ?',
    );
    const clean = sql.get<[number, number]>(
      'DELETE FROM dirty_records WHERE record_id = ? ' +
        'AND NOT EXISTS (SELECT 1 FROM events AS e WHERE e.record_id = dirty_records.record_id AND e.seq > ?)',
    );
    const ledger = sql.get(
      'INSERT INTO score_ledger (record_id, at, old_score, new_score, old_band, new_band, old_stage, new_stage, ' +
        'ruleset_hash, cause, event_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const newEventIds = sql.raw<[number, number, number], [string]>(
      'SELECT source_id FROM events WHERE record_id = ? AND seq > ? ORDER BY seq DESC LIMIT ?',
    );
    // Scores written or moved to a new as-of get a new look from the next write-back plan (writeback-plan.ts).
    const replan = sql.get<[string]>('INSERT OR IGNORE INTO writeback_replan SELECT value FROM json_each(?)');
    // The chunk's dirty records: most rows of a full pass are clean and need no DELETE.
    const dirtyInRange = sql.raw<[number, number], [number, number]>(
      'SELECT record_id, kind FROM dirty_records WHERE record_id BETWEEN ? AND ?',
    );

    const facts = this.#factsFor(meta.rulesetHash);
    return tx(() => {
      let changed = 0;
      let low = Number.POSITIVE_INFINITY;
      let high = Number.NEGATIVE_INFINITY;
      for (const row of rows) {
        if (row.recordId < low) low = row.recordId;
        if (row.recordId > high) high = row.recordId;
      }
      const dirty = new Map<number, number>(rows.length === 0 ? [] : dirtyInRange.all(low, high));
      let ledgerRows = 0;
      const toReplan: number[] = [];

      for (const { recordId, result, eventsSeq, previous } of rows) {
        const contributions = packContributions(result.contributions, facts);
        // Unchanged in everything the upsert compares: skip it (and, below, the ledger). Most records of a
        // pass over unchanged data, and of an incremental one, come here.
        const same =
          previous !== null &&
          previous.storedContributions === contributions &&
          previous.rulesetHash === meta.rulesetHash &&
          previous.score === result.score &&
          previous.fit === result.fit &&
          previous.engagement === result.engagement &&
          previous.band === result.band &&
          previous.stage === result.stage &&
          previous.reasonsText === result.reasonsText;
        const changes = same
          ? 0
          : upsert.run(
              recordId,
              result.score,
              result.fit,
              result.engagement,
              result.band,
              result.stage,
              contributions,
              result.reasonsText,
              meta.rulesetHash,
              meta.asOf,
              eventsSeq,
              meta.at,
              meta.at,
            ).changes;
        if (changes > 0) {
          changed++;
          toReplan.push(recordId);
        } else if (previous === null || previous.asOf !== meta.asOf || previous.eventsSeq !== eventsSeq) {
          // Keeps asOf current, which 'changed' mode relies on. A score recomputed as of the same instant from
          // the same events is left alone: rewriting only computedAt cost a row write per record per pass.
          touch.run(meta.asOf, eventsSeq, meta.at, recordId);
          toReplan.push(recordId);
        }
        if (dirty.has(recordId)) clean.run(recordId, eventsSeq);
        if (
          previous !== null &&
          previous.score === result.score &&
          previous.band === result.band &&
          previous.stage === result.stage &&
          previous.reasonsText === result.reasonsText
        ) {
          continue;
        }
        let cause: LedgerCause;
        let eventIds: string | null = null;
        if (previous === null) cause = 'initial';
        else if (previous.rulesetHash !== meta.rulesetHash) cause = 'rules';
        else if (dirty.get(recordId) === 2) cause = 'merge';
        else if (eventsSeq > previous.eventsSeq) {
          cause = 'events';
          const ids = newEventIds.all(recordId, previous.eventsSeq, LEDGER_EVENT_IDS).map((r) => r[0]);
          eventIds = JSON.stringify(ids);
        } else cause = 'decay';
        ledger.run(
          recordId,
          meta.at,
          previous?.score ?? null,
          result.score,
          previous?.band ?? null,
          result.band,
          previous?.stage ?? null,
          result.stage,
          meta.rulesetHash,
          cause,
          eventIds,
        );
        ledgerRows++;
      }
      if (toReplan.length > 0) replan.run(JSON.stringify(toReplan));
      return { changed, ledgerRows };
    });
  }

  getScore(recordId: number): StoredScore | undefined {
    const row = this.#ctx.sql
      .raw<[number], unknown[]>(`SELECT ${SCORE_COLUMNS} FROM scores AS s WHERE s.record_id = ?`)
      .get(recordId);
    return row === undefined ? undefined : storedScoreFromTuple(row, 0, this.#unpack);
  }

  /** Live records by score, highest first (ties by record id), optionally of one stage and/or band. */
  topScores(options: TopScoresOptions): Array<{ record: LeadRecord & { id: number }; score: StoredScore }> {
    const params: Array<string | number> = [];
    let where = LIVE;
    if (options.stage !== undefined) {
      where += ' AND s.stage = ?';
      params.push(options.stage);
    }
    if (options.band !== undefined) {
      where += ' AND s.band = ?';
      params.push(options.band);
    }
    params.push(options.limit);
    const rows = this.#ctx.sql
      .raw<Array<string | number>, unknown[]>(
        `SELECT ${PREFIXED_RECORD_COLUMNS}, r.id, ${SCORE_COLUMNS} FROM scores AS s JOIN records AS r ON r.id = s.record_id ` +
          `WHERE ${where} ORDER BY s.score DESC, s.record_id LIMIT ?`,
      )
      .all(...params);
    return rows.map((row) => ({
      record: { ...recordFromTuple(row), id: row[16] as number },
      score: storedScoreFromTuple(row, SCORE_OFFSET, this.#unpack),
    }));
  }

  /** Every live scored record of `source`, in id order, for the write-back to diff against what it last sent. */
  scoresForWriteBack(
    source: string,
    page: { afterId: number; limit: number } = { afterId: 0, limit: -1 },
  ): WriteBackRow[] {
    const rows = this.#ctx.sql
      .raw<[string, number, number], unknown[]>(
        'SELECT r.external_id, r.properties, s.score, s.fit, s.engagement, s.band, s.stage, s.reasons_text, ' +
          's.ruleset_hash, s.as_of, s.events_seq, s.computed_at, s.changed_at, s.record_id, r.id ' +
          'FROM records AS r JOIN scores AS s ON s.record_id = r.id ' +
          `WHERE r.source = ? AND ${LIVE} AND r.id > ? ORDER BY r.id LIMIT ?`,
      )
      .all(source, page.afterId, page.limit);
    return rows.map((row) => ({
      recordId: row[14] as number,
      externalId: row[0] as string,
      score: {
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
        recordId: row[13] as number,
      },
      crmValues: JSON.parse(row[1] as string) as Record<string, AttributeValue>,
    }));
  }

  /** The record's ledger, newest first. */
  history(recordId: number): LedgerEntry[] {
    const rows = this.#ctx.sql
      .get<[number], LedgerRow>('SELECT * FROM score_ledger WHERE record_id = ? ORDER BY at DESC, id DESC')
      .all(recordId);
    return rows.map((row) => ({
      id: row.id,
      recordId: row.record_id,
      at: row.at,
      oldScore: row.old_score,
      newScore: row.new_score,
      oldBand: row.old_band,
      newBand: row.new_band,
      oldStage: row.old_stage,
      newStage: row.new_stage,
      rulesetHash: row.ruleset_hash,
      cause: row.cause,
      eventIds: row.event_ids === null ? [] : (JSON.parse(row.event_ids) as string[]),
    }));
  }

  /** Live scored records per band, by band. */
  scoreDistribution(): Array<{ band: string; count: number }> {
    return this.#ctx.sql
      .raw<[], [string, number]>(
        `SELECT s.band, count(*) FROM scores AS s JOIN records AS r ON r.id = s.record_id WHERE ${LIVE} GROUP BY s.band ORDER BY s.band`,
      )
      .all()
      .map(([band, count]) => ({ band, count }));
  }

  /** Live scored records per stage (null: no stage reached), by stage. */
  stageCounts(): Array<{ stage: string | null; count: number }> {
    return this.#ctx.sql
      .raw<[], [string | null, number]>(
        `SELECT s.stage, count(*) FROM scores AS s JOIN records AS r ON r.id = s.record_id WHERE ${LIVE} GROUP BY s.stage ORDER BY s.stage`,
      )
      .all()
      .map(([stage, count]) => ({ stage, count }));
  }
}
