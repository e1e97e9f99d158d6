import type { EngagementEvent, LeadRecord } from '../crm/vocabulary.js';
import { ConsoleTables } from './console.js';
import { type Cursor, Cursors } from './cursors.js';
import {
  createContext,
  type OpenOptions,
  openDatabase,
  type SqliteDatabase,
  type StoreContext,
  translateSqliteError,
} from './db.js';
import { Events, type InsertEventsResult, type StoredEvent } from './events.js';
import { HandoffTables } from './handoff.js';
import { Outbox, type OutboxRow, type OutboxStatus, type RetryOptions, type WritePayload } from './outbox.js';
import { type MergeResult, Records, type StoredRecord, type UpsertResult } from './records.js';
import { RuleSets, type StoredRuleSet } from './rulesets.js';
import { type FinishRun, type Run, Runs } from './runs.js';
import {
  type LedgerEntry,
  type LoadChunkOptions,
  type SaveScoreRow,
  type SaveScoresMeta,
  type SaveScoresResult,
  Scores,
  type ScoringRow,
  type StoredScore,
  type TopScoresOptions,
  type WriteBackRow,
} from './scores.js';
import { Secrets } from './secrets.js';
import { type WriteBackPlanState, WriteBackPlans } from './writeback-plan.js';

export type { ConsoleSession, RuleVersion } from './console.js';
export type { Cursor } from './cursors.js';
export { LATEST_SCHEMA_VERSION, type OpenOptions } from './db.js';
export type { InsertEventsResult, StoredEvent } from './events.js';
export type {
  HandoffAction,
  HandoffActionKind,
  HandoffActionStatus,
  HandoffAttempt,
  LedgerCrossing,
  NewAction,
  NewCrossing,
} from './handoff.js';
export type { JsonValue } from './json.js';
export type { OutboxRow, OutboxStatus, RetryOptions, WritePayload } from './outbox.js';
export type { MergeResult, StoredRecord, UpsertResult } from './records.js';
export type { StoredRuleSet } from './rulesets.js';
export type { FinishRun, Run, RunStats, RunStatus } from './runs.js';
export type {
  LedgerCause,
  LedgerEntry,
  LoadChunkOptions,
  PreviousScore,
  SaveScoreRow,
  SaveScoresMeta,
  SaveScoresResult,
  ScoringRow,
  StoredScore,
  TopScoresOptions,
} from './scores.js';
export type { WriteBackPlanState } from './writeback-plan.js';

/**
 * The SQLite state store: one facade over the table-family modules. Every method turns SQLite's environment
 * failures into ERR_STORE_WRITE / ERR_STORE_CORRUPT naming the file. Methods that write several rows do it in
 * one transaction; `transaction` groups several calls into one (nested calls become savepoints).
 */
export class Store {
  readonly path: string;
  readonly readonly: boolean;
  readonly #db: SqliteDatabase;
  readonly #ctx: StoreContext;
  readonly #records: Records;
  readonly #events: Events;
  readonly #scores: Scores;
  readonly #rulesets: RuleSets;
  readonly #cursors: Cursors;
  readonly #runs: Runs;
  readonly #outbox: Outbox;
  readonly #secrets: Secrets;
  readonly #plans: WriteBackPlans;
  /** The admin console's tables (src/store/console.ts). */
  readonly console: ConsoleTables;
  /** The hand-off queue and delivery log (src/store/handoff.ts). */
  readonly handoff: HandoffTables;

  constructor(db: SqliteDatabase, path: string) {
    this.path = path;
    this.readonly = db.readonly;
    this.#db = db;
    this.#ctx = createContext(db);
    this.#records = new Records(this.#ctx);
    this.#events = new Events(this.#ctx);
    this.#scores = new Scores(this.#ctx);
    this.#rulesets = new RuleSets(this.#ctx);
    this.#cursors = new Cursors(this.#ctx);
    this.#runs = new Runs(this.#ctx);
    this.#outbox = new Outbox(this.#ctx);
    this.#secrets = new Secrets(this.#ctx);
    this.#plans = new WriteBackPlans(this.#ctx);
    this.console = new ConsoleTables(this.#ctx, (fn) => this.#guard(fn));
    this.handoff = new HandoffTables(this.#ctx, (fn) => this.#guard(fn));
  }

  #guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw translateSqliteError(error, this.path, this.readonly);
    }
  }

  /** Runs fn in one transaction: all of its writes land, or none do when it throws. fn must be synchronous. */
  transaction<T>(fn: () => T): T {
    return this.#guard(() => this.#ctx.tx(fn));
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  // records
  upsertRecords(records: readonly LeadRecord[], at?: number): UpsertResult {
    return this.#guard(() => this.#records.upsertRecords(records, at));
  }
  getRecord(id: number): StoredRecord | undefined {
    return this.#guard(() => this.#records.getRecord(id));
  }
  getRecordByExternalId(source: string, externalId: string): StoredRecord | undefined {
    return this.#guard(() => this.#records.getRecordByExternalId(source, externalId));
  }
  findRecords(query: string, limit: number): StoredRecord[] {
    return this.#guard(() => this.#records.findRecords(query, limit));
  }
  archiveRecords(source: string, externalIds: readonly string[], at: number): number {
    return this.#guard(() => this.#records.archiveRecords(source, externalIds, at));
  }
  mergeRecords(
    source: string,
    survivorExternalId: string,
    mergedExternalIds: readonly string[],
    at?: number,
  ): MergeResult {
    return this.#guard(() => this.#records.mergeRecords(source, survivorExternalId, mergedExternalIds, at));
  }
  countRecords(): number {
    return this.#guard(() => this.#records.countRecords());
  }
  knownPropertyNames(): string[] {
    return this.#guard(() => this.#records.knownPropertyNames());
  }

  // events
  insertEvents(events: readonly EngagementEvent[]): InsertEventsResult {
    return this.#guard(() => this.#events.insertEvents(events));
  }
  countEvents(): number {
    return this.#guard(() => this.#events.countEvents());
  }
  eventsForRecord(recordId: number): StoredEvent[] {
    return this.#guard(() => this.#events.eventsForRecord(recordId));
  }

  // scores and ledger
  loadScoringChunk(options: LoadChunkOptions): ScoringRow[] {
    return this.#guard(() => this.#scores.loadScoringChunk(options));
  }
  saveScores(rows: readonly SaveScoreRow[], meta: SaveScoresMeta): SaveScoresResult {
    return this.#guard(() => this.#scores.saveScores(rows, meta));
  }
  getScore(recordId: number): StoredScore | undefined {
    return this.#guard(() => this.#scores.getScore(recordId));
  }
  topScores(options: TopScoresOptions): Array<{ record: LeadRecord & { id: number }; score: StoredScore }> {
    return this.#guard(() => this.#scores.topScores(options));
  }
  /** Every live scored record of `source` with its pulled CRM values; a page of them with `page`. */
  scoresForWriteBack(source: string, page?: { afterId: number; limit: number }): WriteBackRow[] {
    return this.#guard(() => this.#scores.scoresForWriteBack(source, page));
  }

  /** The same, a page at a time, so 100k records never sit in memory together. */
  *eachScoreForWriteBack(source: string, pageSize = 1000): Generator<WriteBackRow> {
    let afterId = 0;
    for (;;) {
      const rows = this.scoresForWriteBack(source, { afterId, limit: pageSize });
      if (rows.length === 0) return;
      yield* rows;
      afterId = rows[rows.length - 1]!.recordId;
    }
  }
  history(recordId: number): LedgerEntry[] {
    return this.#guard(() => this.#scores.history(recordId));
  }
  scoreDistribution(): Array<{ band: string; count: number }> {
    return this.#guard(() => this.#scores.scoreDistribution());
  }
  stageCounts(): Array<{ stage: string | null; count: number }> {
    return this.#guard(() => this.#scores.stageCounts());
  }

  // rule sets
  saveRuleSet(ruleSet: { hash: string; name: string; body: string }, at?: number): void {
    this.#guard(() => this.#rulesets.saveRuleSet(ruleSet, at));
  }
  getRuleSet(hash: string): StoredRuleSet | undefined {
    return this.#guard(() => this.#rulesets.getRuleSet(hash));
  }
  activateRuleSet(hash: string, at: number): void {
    this.#guard(() => this.#rulesets.activateRuleSet(hash, at));
  }
  activeRuleSet(): StoredRuleSet | undefined {
    return this.#guard(() => this.#rulesets.activeRuleSet());
  }
  listRuleSets(): StoredRuleSet[] {
    return this.#guard(() => this.#rulesets.listRuleSets());
  }

  // cursors
  getCursor(source: string, stream: string): Cursor | undefined {
    return this.#guard(() => this.#cursors.getCursor(source, stream));
  }
  /** Call inside the same `transaction` as the upserts of the page the cursor covers. */
  setCursor(source: string, stream: string, value: string, at: number): void {
    this.#guard(() => this.#cursors.setCursor(source, stream, value, at));
  }

  // runs
  startRun(kind: string, source: string | null, at: number): number {
    return this.#guard(() => this.#runs.startRun(kind, source, at));
  }
  finishRun(id: number, finish: FinishRun): boolean {
    return this.#guard(() => this.#runs.finishRun(id, finish));
  }
  listRuns(limit: number): Run[] {
    return this.#guard(() => this.#runs.listRuns(limit));
  }
  markInterruptedRuns(at: number): number {
    return this.#guard(() => this.#runs.markInterruptedRuns(at));
  }

  // outbox
  enqueueWrite(recordId: number, target: string, payload: WritePayload, at: number): boolean {
    return this.#guard(() => this.#outbox.enqueueWrite(recordId, target, payload, at));
  }
  dueWrites(target: string, now: number, limit: number): OutboxRow[] {
    return this.#guard(() => this.#outbox.dueWrites(target, now, limit));
  }
  markDispatched(ids: readonly number[], at: number): void {
    this.#guard(() => this.#outbox.markDispatched(ids, at));
  }
  inDoubtWrites(target: string, limit: number): OutboxRow[] {
    return this.#guard(() => this.#outbox.inDoubtWrites(target, limit));
  }
  clearDispatched(ids: readonly number[]): void {
    this.#guard(() => this.#outbox.clearDispatched(ids));
  }
  markSent(ids: readonly number[], at: number): number {
    return this.#guard(() => this.#outbox.markSent(ids, at));
  }
  markRetry(id: number, retry: RetryOptions): boolean {
    return this.#guard(() => this.#outbox.markRetry(id, retry));
  }
  park(id: number, reason: string, at: number): boolean {
    return this.#guard(() => this.#outbox.park(id, reason, at));
  }
  skip(id: number, reason: string, at: number): boolean {
    return this.#guard(() => this.#outbox.skip(id, reason, at));
  }
  outboxCounts(target?: string): Record<OutboxStatus, number> {
    return this.#guard(() => this.#outbox.outboxCounts(target));
  }
  listOutbox(options: { status?: OutboxStatus; target?: string; limit: number }): OutboxRow[] {
    return this.#guard(() => this.#outbox.listOutbox(options));
  }
  lastSentPayload(recordId: number, target: string): WritePayload | undefined {
    return this.#guard(() => this.#outbox.lastSentPayload(recordId, target));
  }

  lastSkippedPayload(recordId: number, target: string): WritePayload | undefined {
    return this.#guard(() => this.#outbox.lastSkippedPayload(recordId, target));
  }

  // write-back plans (src/store/writeback-plan.ts)
  lastWriteBackPlan(target: string): WriteBackPlanState | undefined {
    return this.#guard(() => this.#plans.lastPlan(target));
  }
  /** Like eachScoreForWriteBack, but only the records queued since the last plan (or with a parked write). */
  *eachScoreToReplan(source: string, pageSize = 1000): Generator<WriteBackRow> {
    let afterId = 0;
    for (;;) {
      const rows = this.#guard(() => this.#plans.scoresToReplan(source, { afterId, limit: pageSize }));
      const last = rows[rows.length - 1];
      if (last === undefined) return;
      yield* rows;
      afterId = last.recordId;
    }
  }
  finishWriteBackPlan(source: string, fingerprint: string, at: number): void {
    this.#guard(() => this.#plans.finishPlan(source, fingerprint, at));
  }

  // secrets (the caller encrypts)
  getSecret(name: string): Buffer | undefined {
    return this.#guard(() => this.#secrets.getSecret(name));
  }
  putSecret(name: string, value: Buffer, at: number): void {
    this.#guard(() => this.#secrets.putSecret(name, value, at));
  }
  deleteSecret(name: string): boolean {
    return this.#guard(() => this.#secrets.deleteSecret(name));
  }
  listSecretNames(): string[] {
    return this.#guard(() => this.#secrets.listSecretNames());
  }
}

/**
 * Opens (creating when needed) the store at `path` (':memory:' for a throwaway one): WAL, foreign keys,
 * synchronous=NORMAL, a busy timeout, an integrity check when `integrityCheck` is set, then pending migrations in
 * one transaction. Corruption met later, by any statement, is reported as ERR_STORE_CORRUPT too.
 * Throws ERR_STORE_SCHEMA_NEWER, ERR_STORE_CORRUPT or ERR_STORE_WRITE.
 */
export function openStore(path: string, options: OpenOptions = {}): Store {
  return new Store(openDatabase(path, options), path);
}
