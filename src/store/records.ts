import type { AttributeValue, LeadRecord } from '../crm/vocabulary.js';
import { LeadscoreError } from '../errors.js';
import type { StoreContext } from './db.js';
import { canonicalFlatJson } from './json.js';

/** A record as stored: the core model plus the store's own bookkeeping. */
export interface StoredRecord extends LeadRecord {
  id: number;
  archivedAt: number | null;
  mergedInto: number | null;
  /** True when the record changed (data, events or a merge) since it was last scored. */
  dirty: boolean;
  /** When the store first saw the record (epoch ms). */
  storedAt: number;
  /** When the store last saw its data change (epoch ms). */
  changedAt: number;
}

export interface UpsertResult {
  inserted: number;
  updated: number;
  unchanged: number;
}

export interface MergeResult {
  survivorId: number;
  /** Records newly merged into the survivor. */
  merged: number;
  /** Merged external ids the store does not know. */
  unknown: string[];
}

/** Record columns in the order of RECORD_DATA_VALUES; shared by the scoring reader. */
export const RECORD_COLUMNS =
  'source, external_id, email, first_name, last_name, company, industry, title, company_size, country, owner_id, ' +
  'lifecycle_stage, crm_created_at, crm_updated_at, properties, data_quality';

/** The stored (column) form of a record's data: what change detection compares. */
type DataTuple = [
  email: string | null,
  firstName: string | null,
  lastName: string | null,
  company: string | null,
  industry: string | null,
  title: string | null,
  companySize: number | null,
  country: string | null,
  ownerId: string | null,
  lifecycleStage: string | null,
  createdAt: number | null,
  updatedAt: number | null,
  properties: string,
  dataQuality: string | null,
];

/** A row of RECORD_COLUMNS as `.raw()` returns it. */
export type RecordTuple = [source: string, externalId: string, ...DataTuple];

/** SQLite stores NaN as NULL: normalise first, or such a record would look changed on every sync. */
function finiteOrNull(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}

function toDataTuple(record: LeadRecord): DataTuple {
  return [
    record.email ?? null,
    record.firstName ?? null,
    record.lastName ?? null,
    record.company ?? null,
    record.industry ?? null,
    record.title ?? null,
    finiteOrNull(record.companySize),
    record.country ?? null,
    record.ownerId ?? null,
    record.lifecycleStage ?? null,
    finiteOrNull(record.createdAt),
    finiteOrNull(record.updatedAt),
    canonicalFlatJson(record.properties),
    record.dataQuality !== undefined && record.dataQuality.length > 0
      ? JSON.stringify(record.dataQuality)
      : null,
  ];
}

/** Maps a RECORD_COLUMNS tuple starting at `offset` back to the core model; absent values stay absent. */
export function recordFromTuple(row: readonly unknown[], offset = 0): LeadRecord {
  const record: LeadRecord = {
    source: row[offset] as string,
    externalId: row[offset + 1] as string,
    properties: JSON.parse(row[offset + 14] as string) as Record<string, AttributeValue>,
  };
  const email = row[offset + 2];
  if (email !== null) record.email = email as string;
  const firstName = row[offset + 3];
  if (firstName !== null) record.firstName = firstName as string;
  const lastName = row[offset + 4];
  if (lastName !== null) record.lastName = lastName as string;
  const company = row[offset + 5];
  if (company !== null) record.company = company as string;
  const industry = row[offset + 6];
  if (industry !== null) record.industry = industry as string;
  const title = row[offset + 7];
  if (title !== null) record.title = title as string;
  const companySize = row[offset + 8];
  if (companySize !== null) record.companySize = companySize as number;
  const country = row[offset + 9];
  if (country !== null) record.country = country as string;
  const ownerId = row[offset + 10];
  if (ownerId !== null) record.ownerId = ownerId as string;
  const lifecycleStage = row[offset + 11];
  if (lifecycleStage !== null) record.lifecycleStage = lifecycleStage as string;
  const createdAt = row[offset + 12];
  if (createdAt !== null) record.createdAt = createdAt as number;
  const updatedAt = row[offset + 13];
  if (updatedAt !== null) record.updatedAt = updatedAt as number;
  const dataQuality = row[offset + 15];
  if (dataQuality !== null) record.dataQuality = JSON.parse(dataQuality as string) as string[];
  return record;
}

const STORED_SELECT =
  `SELECT ${RECORD_COLUMNS}, id, archived_at, merged_into, ` +
  'EXISTS (SELECT 1 FROM dirty_records AS d WHERE d.record_id = records.id), created_at, updated_at FROM records';

function storedFromTuple(row: readonly unknown[]): StoredRecord {
  return {
    ...recordFromTuple(row),
    id: row[16] as number,
    archivedAt: row[17] as number | null,
    mergedInto: row[18] as number | null,
    dirty: row[19] === 1,
    storedAt: row[20] as number,
    changedAt: row[21] as number,
  };
}

type ExistingTuple = [id: number, archivedAt: number | null, mergedInto: number | null, ...data: DataTuple];

export class Records {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  /**
   * Inserts new records and updates those whose data changed (compared in canonical form: properties with
   * sorted keys, absent = null), marking them dirty. Unchanged records are not touched. An archived (not merged)
   * record that comes back is restored. One transaction.
   */
  upsertRecords(records: readonly LeadRecord[], at: number = Date.now()): UpsertResult {
    const { sql, tx } = this.#ctx;
    const find = sql.raw<[string, string], ExistingTuple>(
      'SELECT id, archived_at, merged_into, email, first_name, last_name, company, industry, title, company_size, ' +
        'country, owner_id, lifecycle_stage, crm_created_at, crm_updated_at, properties, data_quality ' +
        'FROM records WHERE source = ? AND external_id = ?',
    );
    const insert = sql.get(
      `INSERT INTO records (${RECORD_COLUMNS}, created_at, updated_at) ` +
        'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    // A record merged into since last scored stays so (kind 2): its ledger cause is 'merge'.
    const markDirty = sql.get<[number | bigint]>(
      'INSERT INTO dirty_records (record_id, kind) VALUES (?, 1) ON CONFLICT (record_id) DO NOTHING',
    );
    const update = sql.get(
      'UPDATE records SET email = ?, first_name = ?, last_name = ?, company = ?, industry = ?, title = ?, ' +
        'company_size = ?, country = ?, owner_id = ?, lifecycle_stage = ?, crm_created_at = ?, crm_updated_at = ?, ' +
        'properties = ?, data_quality = ?, archived_at = CASE WHEN merged_into IS NULL THEN NULL ELSE archived_at END, ' +
        'updated_at = ? WHERE id = ?',
    );
    return tx(() => {
      const result: UpsertResult = { inserted: 0, updated: 0, unchanged: 0 };
      for (const record of records) {
        const data = toDataTuple(record);
        const existing = find.get(record.source, record.externalId);
        if (existing === undefined) {
          markDirty.run(insert.run(record.source, record.externalId, ...data, at, at).lastInsertRowid);
          result.inserted++;
          continue;
        }
        const restored = existing[1] !== null && existing[2] === null;
        if (!restored && sameData(existing, data)) {
          result.unchanged++;
          continue;
        }
        update.run(...data, at, existing[0]);
        markDirty.run(existing[0]);
        result.updated++;
      }
      return result;
    });
  }

  getRecord(id: number): StoredRecord | undefined {
    const row = this.#ctx.sql.raw<[number], unknown[]>(`${STORED_SELECT} WHERE id = ?`).get(id);
    return row === undefined ? undefined : storedFromTuple(row);
  }

  getRecordByExternalId(source: string, externalId: string): StoredRecord | undefined {
    const row = this.#ctx.sql
      .raw<[string, string], unknown[]>(`${STORED_SELECT} WHERE source = ? AND external_id = ?`)
      .get(source, externalId);
    return row === undefined ? undefined : storedFromTuple(row);
  }

  /** Records whose external id equals `query` or whose email equals it ignoring case; live records first. */
  findRecords(query: string, limit: number): StoredRecord[] {
    const rows = this.#ctx.sql
      .raw<[string, string, number], unknown[]>(
        `${STORED_SELECT} WHERE id IN (SELECT id FROM records WHERE external_id = ? ` +
          'UNION SELECT id FROM records WHERE email = ? COLLATE NOCASE) ' +
          'ORDER BY archived_at IS NOT NULL, id LIMIT ?',
      )
      .all(query, query, limit);
    return rows.map(storedFromTuple);
  }

  /**
   * Marks records deleted in the CRM as archived (they stop being scored) and skips their pending write-backs.
   * Returns how many were newly archived.
   */
  archiveRecords(source: string, externalIds: readonly string[], at: number): number {
    const { sql, tx } = this.#ctx;
    const archive = sql.get<[number, number, string, string]>(
      'UPDATE records SET archived_at = ?, updated_at = ? WHERE source = ? AND external_id = ? AND archived_at IS NULL',
    );
    const skipWrites = sql.get<[string, number, string, string]>(
      "UPDATE outbox SET status = 'skipped', last_error = ?, updated_at = ? WHERE status = 'pending' AND " +
        'record_id = (SELECT id FROM records WHERE source = ? AND external_id = ?)',
    );
    return tx(() => {
      let archived = 0;
      for (const externalId of externalIds) {
        const changes = archive.run(at, at, source, externalId).changes;
        if (changes > 0) {
          archived += changes;
          skipWrites.run('record archived: deleted in the CRM', at, source, externalId);
        }
      }
      return archived;
    });
  }

  /**
   * Merges records the CRM merged: their events and ledger rows move to the survivor, they are marked merged and
   * archived (their scores dropped, pending write-backs skipped), and the survivor is marked for rescoring with
   * ledger cause 'merge'. Records merged into a merged record follow it to the survivor. One transaction.
   */
  mergeRecords(
    source: string,
    survivorExternalId: string,
    mergedExternalIds: readonly string[],
    at: number = Date.now(),
  ): MergeResult {
    const { sql, tx } = this.#ctx;
    const findId = sql.raw<[string, string], [number, number | null]>(
      'SELECT id, merged_into FROM records WHERE source = ? AND external_id = ?',
    );
    return tx(() => {
      const survivor = findId.get(source, survivorExternalId);
      if (survivor === undefined) {
        throw new LeadscoreError(
          'ERR_RECORD_NOT_FOUND',
          `cannot merge into ${source} record ${survivorExternalId}: the store does not know it`,
        );
      }
      const survivorId = survivor[0];
      const result: MergeResult = { survivorId, merged: 0, unknown: [] };
      for (const externalId of new Set(mergedExternalIds)) {
        const found = findId.get(source, externalId);
        if (found === undefined) {
          result.unknown.push(externalId);
          continue;
        }
        const [mergedId, mergedInto] = found;
        if (mergedId === survivorId || mergedInto === survivorId) continue;
        sql.get('UPDATE events SET record_id = ? WHERE record_id = ?').run(survivorId, mergedId);
        sql.get('UPDATE score_ledger SET record_id = ? WHERE record_id = ?').run(survivorId, mergedId);
        sql.get('DELETE FROM scores WHERE record_id = ?').run(mergedId);
        sql.get('UPDATE records SET merged_into = ? WHERE merged_into = ?').run(survivorId, mergedId);
        sql
          .get(
            'UPDATE records SET merged_into = ?, archived_at = COALESCE(archived_at, ?), updated_at = ? WHERE id = ?',
          )
          .run(survivorId, at, at, mergedId);
        sql.get('DELETE FROM dirty_records WHERE record_id = ?').run(mergedId);
        sql
          .get(
            "UPDATE outbox SET status = 'skipped', last_error = ?, updated_at = ? WHERE status = 'pending' AND record_id = ?",
          )
          .run(`record merged into ${source} ${survivorExternalId}`, at, mergedId);
        result.merged++;
      }
      if (result.merged > 0) {
        sql.get('UPDATE records SET updated_at = ? WHERE id = ?').run(at, survivorId);
        sql
          .get(
            'INSERT INTO dirty_records (record_id, kind) VALUES (?, 2) ON CONFLICT (record_id) DO UPDATE SET kind = 2',
          )
          .run(survivorId);
      }
      return result;
    });
  }

  /** Live records (neither archived nor merged). */
  countRecords(): number {
    const row = this.#ctx.sql
      .raw<[], [number]>('SELECT count(*) FROM records WHERE archived_at IS NULL AND merged_into IS NULL')
      .get();
    return row?.[0] ?? 0;
  }

  /** Every property name seen on a stored record, sorted; lets validation warn about rules naming unknown ones. */
  knownPropertyNames(): string[] {
    return this.#ctx.sql
      .raw<[], [string]>('SELECT DISTINCT p.key FROM records AS r, json_each(r.properties) AS p ORDER BY 1')
      .all()
      .map((row) => row[0]);
  }
}

function sameData(existing: ExistingTuple, data: DataTuple): boolean {
  for (let i = 0; i < data.length; i++) {
    if (existing[i + 3] !== data[i]) return false;
  }
  return true;
}
