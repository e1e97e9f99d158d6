import type { Logger } from 'pino';
import type { CrmReader, PulledPage } from '../crm/ports.js';
import type { Store } from '../store/index.js';
import { type EchoFilter, echoFilter, stickyFilter } from './echo.js';

export interface PullStats {
  pages: number;
  records: number;
  events: number;
  duplicateEvents: number;
  archived: number;
  merged: number;
  /** Events whose record the CRM no longer has: nothing to score them against. */
  orphanEvents: number;
  /** Records read but not stored: unchanged apart from leadscore's own written fields (echo.ts). */
  unchanged: number;
}

function emptyStats(): PullStats {
  return {
    pages: 0,
    records: 0,
    events: 0,
    duplicateEvents: 0,
    archived: 0,
    merged: 0,
    orphanEvents: 0,
    unchanged: 0,
  };
}

/**
 * Pulls every stream of a connector page by page. Each page and the cursor after it are saved in one
 * transaction: a crash loses at most the page in flight, and a rerun resumes from the saved cursor.
 */
export async function pullAll(
  store: Store,
  reader: CrmReader,
  options: {
    mode: 'incremental' | 'full';
    now?: () => number;
    logger?: Logger;
    /** The CRM fields leadscore writes back: their echo neither dirties nor restamps a record (echo.ts). */
    ownFields?: readonly string[];
  },
): Promise<PullStats> {
  const now = options.now ?? Date.now;
  const stats = emptyStats();
  const echo = options.ownFields ? echoFilter(store, reader.source, options.ownFields) : undefined;
  for (const stream of reader.streams(options.mode)) {
    // A full sync walks every stream from the start; the cursor it ends on serves the next incremental run.
    const cursor = options.mode === 'full' ? undefined : store.getCursor(reader.source, stream.name)?.value;
    let next = prefetch(stream.pull(cursor));
    for (;;) {
      const page = await next;
      // Ask for the next page while this one is saved, so the CRM's latency and the store's work overlap; a crash
      // still loses at most the pages not yet saved, and their cursor was never stored.
      if (!page.done) next = prefetch(stream.pull(page.cursor));
      await savePage(store, reader, stream.name, page, now(), stats, echo);
      stats.pages++;
      options.logger?.debug(
        { stream: stream.name, records: page.records.length, events: page.events.length, done: page.done },
        'page saved',
      );
      if (page.done) break;
    }
  }
  stats.unchanged = echo?.skipped ?? 0;
  return stats;
}

/** Marks a page request as handled until it is awaited, so a failure while the previous page saves is not fatal. */
function prefetch(request: Promise<PulledPage>): Promise<PulledPage> {
  request.catch(() => undefined);
  return request;
}

async function savePage(
  store: Store,
  reader: CrmReader,
  streamName: string,
  page: PulledPage,
  at: number,
  stats: PullStats,
  echo: EchoFilter | undefined,
): Promise<void> {
  // Events can name a record created after the record stream's last page: read those records first.
  const missing = missingRecords(store, reader.source, page);
  const fetched = missing.length > 0 ? await reader.readRecords(missing) : [];
  store.transaction(() => {
    const pulled = [...page.records, ...fetched];
    // Sticky properties a stream leaves out keep their stored value (echo.ts); the echo filter applies it too.
    const records = echo
      ? pulled.flatMap((record) => echo.filter(record) ?? [])
      : pulled.map(stickyFilter(store, reader.source));
    if (records.length > 0) store.upsertRecords(records);
    const inserted = page.events.length > 0 ? store.insertEvents(page.events) : undefined;
    for (const merge of page.merges) store.mergeRecords(reader.source, merge.survivor, merge.merged);
    if (page.archived.length > 0) store.archiveRecords(reader.source, page.archived, at);
    store.setCursor(reader.source, streamName, page.cursor, at);
    stats.records += page.records.length + fetched.length;
    stats.events += inserted?.inserted ?? 0;
    stats.duplicateEvents += inserted?.duplicates ?? 0;
    stats.orphanEvents += inserted
      ? page.events.filter((e) => inserted.unknownRecords.includes(e.recordExternalId)).length
      : 0;
    stats.archived += page.archived.length;
    stats.merged += page.merges.reduce((sum, merge) => sum + merge.merged.length, 0);
  });
}

function missingRecords(store: Store, source: string, page: PulledPage): string[] {
  const inPage = new Set(page.records.map((record) => record.externalId));
  const missing = new Set<string>();
  for (const event of page.events) {
    const id = event.recordExternalId;
    if (!inPage.has(id) && !missing.has(id) && !store.getRecordByExternalId(source, id)) missing.add(id);
  }
  return [...missing];
}
