import type { AttributeValue, EngagementEvent, EventType } from '../crm/vocabulary.js';
import type { ScoringEvent } from '../scoring/types.js';
import type { StoreContext } from './db.js';

export interface InsertEventsResult {
  inserted: number;
  /** Events already stored under the same (source, sourceId): not an error. */
  duplicates: number;
  /** Distinct recordExternalIds with no stored record; their events were not inserted. */
  unknownRecords: string[];
}

export type StoredEvent = ScoringEvent & { seq: number };

/** Shared by every event without attributes; frozen so no caller can fill it for all the others. */
export const NO_ATTRIBUTES: Readonly<Record<string, AttributeValue>> = Object.freeze({});

export function parseAttributes(text: string | null): Readonly<Record<string, AttributeValue>> {
  return text === null ? NO_ATTRIBUTES : (JSON.parse(text) as Record<string, AttributeValue>);
}

/**
 * A stored event whose attributes JSON is parsed on first read. The engine reads attributes only for rules with
 * `where` filters or `once.by`, so in a scoring pass most events never need them (a full pass would otherwise
 * parse a million small JSON texts). `attributes` is a getter: spreading the event copies no attributes;
 * JSON.stringify includes them.
 */
export class LazyEvent implements ScoringEvent {
  readonly id: string;
  readonly type: EventType;
  readonly occurredAt: number;
  // Plain fields, not #private ones: test matchers and proxies call the getter on other objects, which must
  // not throw.
  private attributesJson: string | null;
  private parsed: Readonly<Record<string, AttributeValue>> | undefined;

  constructor(id: string, type: EventType, occurredAt: number, attributesJson: string | null) {
    this.id = id;
    this.type = type;
    this.occurredAt = occurredAt;
    this.attributesJson = attributesJson;
    this.parsed = attributesJson === null ? NO_ATTRIBUTES : undefined;
  }

  get attributes(): Readonly<Record<string, AttributeValue>> {
    if (this.parsed === undefined) {
      this.parsed = parseAttributes(this.attributesJson ?? null);
      this.attributesJson = null;
    }
    return this.parsed;
  }

  toJSON(): ScoringEvent {
    return { id: this.id, type: this.type, occurredAt: this.occurredAt, attributes: this.attributes };
  }
}

function attributesText(attributes: Readonly<Record<string, AttributeValue>>): string | null {
  for (const _ in attributes) return JSON.stringify(attributes);
  return null;
}

export class Events {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  /**
   * Inserts events, deduplicated by (source, sourceId). An event for a record merged away is attached to the
   * record it was merged into. Each record that gained an event is marked dirty. One transaction.
   */
  insertEvents(events: readonly EngagementEvent[]): InsertEventsResult {
    const { sql, tx } = this.#ctx;
    const findRecord = sql.raw<[string, string], [number]>(
      'SELECT COALESCE(merged_into, id) FROM records WHERE source = ? AND external_id = ?',
    );
    const insert = sql.get<[string, string, number, string, number, string | null]>(
      'INSERT INTO events (source, source_id, record_id, type, occurred_at, attributes) VALUES (?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (source, source_id) DO NOTHING',
    );
    const markDirty = sql.get<[number]>(
      'INSERT INTO dirty_records (record_id, kind) VALUES (?, 1) ON CONFLICT (record_id) DO NOTHING',
    );
    return tx(() => {
      const recordIds = new Map<string, number | null>();
      const touched = new Set<number>();
      const unknown = new Set<string>();
      let inserted = 0;
      let duplicates = 0;
      for (const event of events) {
        const key = `${event.source}\u0000${event.recordExternalId}`;
        let recordId = recordIds.get(key);
        if (recordId === undefined) {
          recordId = findRecord.get(event.source, event.recordExternalId)?.[0] ?? null;
          recordIds.set(key, recordId);
        }
        if (recordId === null) {
          unknown.add(event.recordExternalId);
          continue;
        }
        const { changes } = insert.run(
          event.source,
          event.sourceId,
          recordId,
          event.type,
          event.occurredAt,
          attributesText(event.attributes),
        );
        if (changes === 0) {
          duplicates++;
        } else {
          inserted++;
          touched.add(recordId);
        }
      }
      for (const recordId of touched) markDirty.run(recordId);
      return { inserted, duplicates, unknownRecords: [...unknown] };
    });
  }

  countEvents(): number {
    return this.#ctx.sql.raw<[], [number]>('SELECT count(*) FROM events').get()?.[0] ?? 0;
  }

  /** A record's events in scoring order (occurredAt, then arrival). */
  eventsForRecord(recordId: number): StoredEvent[] {
    const rows = this.#ctx.sql
      .raw<[number], [number, string, string, number, string | null]>(
        'SELECT seq, source_id, type, occurred_at, attributes FROM events WHERE record_id = ? ORDER BY occurred_at, seq',
      )
      .all(recordId);
    return rows.map(([seq, id, type, occurredAt, attributes]) => ({
      seq,
      id,
      type: type as EventType,
      occurredAt,
      attributes: parseAttributes(attributes),
    }));
  }
}
