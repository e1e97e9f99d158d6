import {
  type AttributeValue,
  type LeadRecord,
  RECORD_FIELDS,
  WON_DEAL_AT_PROPERTY,
} from '../crm/vocabulary.js';
import type { Store } from '../store/index.js';
import { canonicalFlatJson } from '../store/json.js';
import { sameCrmValue } from './writeback.js';

/**
 * Our own write-back, read back. A CRM bumps a record's modified time when leadscore writes its score fields, so
 * the next incremental pull sees every written record as changed, and nothing in the CRM's answer says who made
 * the change (for HubSpot: connectors/hubspot/BEHAVIOR.md 38). Filtering it out server-side would also drop a
 * person's edit made after ours, so the pull reads the echo and this module makes it cheap locally:
 *
 * - A written field that holds what leadscore last sent (or is empty before the first write) is leadscore's own
 *   value: it is not stored with the record. Only a value someone else put there is kept, which is what the
 *   write-back's human-overwrite check compares (pendingWrites fills the rest from the last sent payload).
 * - A record whose data, apart from those fields and its modified time, equals the stored copy is not stored
 *   again: it does not become dirty, is not rescored, and its `updatedAt` keeps the time of the last change
 *   someone else made (fit decay ages the data by it; our own writes must not make it look fresh).
 */

/**
 * Properties a connector fills from other objects than the record (a won deal's close date): a stream that reads
 * the record alone leaves the key out, and the stored value stays; an explicit null clears it. So only the stream
 * that reads those objects pays for them, not every read of the record.
 */
export const STICKY_PROPERTIES: readonly string[] = [WON_DEAL_AT_PROPERTY];

/** `record` with the sticky properties it leaves out taken from `existing`, and those it sets to null removed. */
export function keepSticky(record: LeadRecord, existing: LeadRecord | undefined): LeadRecord {
  let properties: Record<string, AttributeValue> | undefined;
  for (const key of STICKY_PROPERTIES) {
    if (key in record.properties) {
      if (record.properties[key] !== null) continue;
      properties ??= { ...record.properties };
      delete properties[key];
    } else if (existing !== undefined && key in existing.properties) {
      properties ??= { ...record.properties };
      properties[key] = existing.properties[key] ?? null;
    }
  }
  return properties ? { ...record, properties } : record;
}

/** The pull path without an echo filter: the sticky rule alone. */
export function stickyFilter(store: Store, source: string): (record: LeadRecord) => LeadRecord {
  return (record) => keepSticky(record, store.getRecordByExternalId(source, record.externalId));
}

export interface EchoFilter {
  /** The record as it should be stored, or undefined when nothing but our own write changed. */
  filter(record: LeadRecord): LeadRecord | undefined;
  /** Records left out because they changed only by our write (or not at all). */
  readonly skipped: number;
}

function isEmpty(value: AttributeValue | undefined): boolean {
  return value === null || value === undefined || value === '';
}

/** The store's column form of a value: NaN and infinities are stored as NULL, absent as NULL. */
function stored(value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value ?? null;
}

function qualityText(notes: readonly string[] | undefined): string | null {
  return notes !== undefined && notes.length > 0 ? JSON.stringify(notes) : null;
}

/** Equal as the store would store them, `updatedAt` aside. */
export function sameExceptModified(a: LeadRecord, b: LeadRecord): boolean {
  for (const field of RECORD_FIELDS) {
    if (field !== 'updatedAt' && stored(a[field]) !== stored(b[field])) return false;
  }
  return (
    qualityText(a.dataQuality) === qualityText(b.dataQuality) &&
    canonicalFlatJson(a.properties) === canonicalFlatJson(b.properties)
  );
}

/**
 * `ownFields`: the CRM property names leadscore writes (the write-back fields). Compares each record with the
 * stored copy and with the payload last sent for it to `source` (the write-back target is the source).
 */
export function echoFilter(store: Store, source: string, ownFields: readonly string[]): EchoFilter {
  let skipped = 0;
  return {
    get skipped() {
      return skipped;
    },
    filter(pulled) {
      const existing = store.getRecordByExternalId(source, pulled.externalId);
      const record = keepSticky(pulled, existing);
      const lastSent = existing ? store.lastSentPayload(existing.id, source) : undefined;
      let properties: Record<string, AttributeValue> | undefined;
      for (const field of ownFields) {
        if (!(field in record.properties)) continue;
        const value = record.properties[field];
        const ours =
          lastSent !== undefined && field in lastSent ? sameCrmValue(value, lastSent[field]) : isEmpty(value);
        if (!ours) continue;
        properties ??= { ...record.properties };
        delete properties[field];
      }
      const cleaned = properties ? { ...record, properties } : record;
      // A merged-away or archived copy is left to the store (it restores or keeps it as it decides).
      if (existing && existing.archivedAt === null && sameExceptModified(cleaned, existing)) {
        skipped++;
        return undefined;
      }
      return cleaned;
    },
  };
}
