import { PAGE_SIZES } from './limits.js';
import { parseHubSpotTime } from './mapping.js';
import type { CrmObject, SearchPage } from './schemas.js';

/**
 * Walking a CRM search in lastmodified order, past the 10,000-result cap.
 *
 * https://developers.hubspot.com/docs/api-reference/latest/crm/search-the-crm: "limited to 10,000 total results
 * for any given query. Attempting to page beyond 10,000 will result in a 400". Only one sort is allowed, so ties
 * cannot be ordered by id in the same query. The walk therefore restarts the search from the last seen
 * lastmodified value on every page (keyset paging, `after` never used), which never meets the cap and does not
 * skip records when an earlier one is modified mid-walk and the offsets shift. Records at the restart value are
 * skipped when already seen. When more than a page of records share one value, a tie walk lists exactly that
 * value sorted by hs_object_id (keyset on the id), then the range walk continues strictly after it.
 */

export interface SearchPosition {
  /** Epoch ms of the last lastmodified value emitted (inclusive lower bound of the next page). */
  lastModified: number;
  /** Id of the last record emitted at `lastModified` ('' when none). */
  lastId: string;
  /** Listing only `lastModified`, by id, after `lastId`. */
  tie?: boolean;
  /** The next range page starts strictly after `lastModified` (a tie walk finished it). */
  exclusive?: boolean;
}

export interface SearchFilter {
  propertyName: string;
  operator: 'EQ' | 'NEQ' | 'GT' | 'GTE' | 'LT' | 'LTE' | 'IN' | 'HAS_PROPERTY';
  value?: string;
  values?: string[];
}

export interface SearchRequest {
  filterGroups: Array<{ filters: SearchFilter[] }>;
  sorts: Array<{ propertyName: string; direction: 'ASCENDING' | 'DESCENDING' }>;
  properties: string[];
  limit: number;
}

export interface SearchWalkSpec {
  /** `lastmodifieddate` for contacts, `hs_lastmodifieddate` for every other object. */
  modifiedProperty: string;
  properties: readonly string[];
  /** Extra filters ANDed with the position filter. */
  filters?: readonly SearchFilter[];
  pageSize?: number;
  /**
   * The run's start: once the walk has passed this modified time it ends, so records that keep changing (or
   * are dated ahead) wait for the next run instead of keeping this one going for ever. A walk that reaches the
   * end before it ends on this position (the caller steps back its search-lag overlap from there).
   */
  until?: number;
  search: (request: SearchRequest) => Promise<SearchPage>;
}

export interface SearchWalkPage {
  objects: CrmObject[];
  position: SearchPosition;
  done: boolean;
}

const ID_PROPERTY = 'hs_object_id';

export function modifiedAt(object: CrmObject, property: string): number | undefined {
  const time = parseHubSpotTime(object.properties[property]);
  if (time !== undefined && !Number.isNaN(time)) return time;
  if (object.updatedAt) {
    const fallback =
      object.updatedAt instanceof Date ? object.updatedAt.getTime() : Date.parse(object.updatedAt);
    if (!Number.isNaN(fallback)) return fallback;
  }
  return undefined;
}

function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    if (a.length !== b.length) return a.length - b.length;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * One walker per stream run; it remembers which ids it emitted at the current lastmodified value, so a restarted
 * page does not hand them out twice. Resumed from a saved cursor, the records at the boundary value are emitted
 * again (their order within one value is not known): upserts are idempotent.
 */
export class SearchWalker {
  private seenAt: { time: number; ids: Set<string> } = { time: Number.NaN, ids: new Set() };

  constructor(private readonly spec: SearchWalkSpec) {}

  private request(position: SearchPosition): SearchRequest {
    const limit = this.spec.pageSize ?? PAGE_SIZES.search;
    const property = this.spec.modifiedProperty;
    const extra = [...(this.spec.filters ?? [])];
    const properties = [...new Set([...this.spec.properties, property, ID_PROPERTY])];
    if (position.tie) {
      const filters: SearchFilter[] = [
        { propertyName: property, operator: 'EQ', value: String(position.lastModified) },
      ];
      if (position.lastId !== '')
        filters.push({ propertyName: ID_PROPERTY, operator: 'GT', value: position.lastId });
      return {
        filterGroups: [{ filters: [...filters, ...extra] }],
        sorts: [{ propertyName: ID_PROPERTY, direction: 'ASCENDING' }],
        properties,
        limit,
      };
    }
    return {
      filterGroups: [
        {
          filters: [
            {
              propertyName: property,
              operator: position.exclusive ? 'GT' : 'GTE',
              value: String(position.lastModified),
            },
            ...extra,
          ],
        },
      ],
      sorts: [{ propertyName: property, direction: 'ASCENDING' }],
      properties,
      limit,
    };
  }

  async next(position: SearchPosition): Promise<SearchWalkPage> {
    const limit = this.spec.pageSize ?? PAGE_SIZES.search;
    const page = await this.spec.search(this.request(position));
    const hasMore = Boolean(page.paging?.next?.after);
    const property = this.spec.modifiedProperty;

    if (position.tie) {
      const objects = page.results.filter(
        (o) => !this.seenAt.ids.has(o.id) || this.seenAt.time !== position.lastModified,
      );
      const last = page.results.at(-1);
      if (!last || !hasMore) {
        // The tie value is exhausted: carry on strictly after it.
        this.remember(position.lastModified, objects);
        return {
          objects,
          position: { lastModified: position.lastModified, lastId: '', exclusive: true },
          done: false,
        };
      }
      this.remember(position.lastModified, objects);
      return {
        objects,
        position: { lastModified: position.lastModified, lastId: last.id, tie: true },
        done: false,
      };
    }

    let lastModified = position.lastModified;
    let lastId = position.lastId;
    const objects: CrmObject[] = [];
    for (const object of page.results) {
      const time = modifiedAt(object, property) ?? lastModified;
      if (time === this.seenAt.time && this.seenAt.ids.has(object.id)) continue;
      objects.push(object);
      this.remember(time, [object]);
      if (
        time > lastModified ||
        (time === lastModified && (lastId === '' || compareIds(object.id, lastId) > 0))
      ) {
        lastModified = Math.max(lastModified, time);
        lastId = object.id;
      }
    }
    const next: SearchPosition = { lastModified, lastId };
    if (page.results.length === 0 || !hasMore) {
      // Nothing more was modified up to now: the next run may start from the walk's start, not from the last
      // record seen, so its overlap does not read again what this walk read (our own write-back's echo above all).
      const until = this.spec.until;
      const position =
        until !== undefined && until > lastModified ? { lastModified: until, lastId: '' } : next;
      return { objects, position, done: true };
    }
    if (this.spec.until !== undefined && lastModified > this.spec.until)
      return { objects, position: next, done: true };
    const allAtOneValue = page.results.every(
      (o) => (modifiedAt(o, property) ?? lastModified) === lastModified,
    );
    if (objects.length === 0 || (allAtOneValue && page.results.length >= limit)) {
      // A full page (or nothing new) at one value: restarting from it would return the same page again.
      return { objects, position: { lastModified, lastId: '', tie: true }, done: false };
    }
    return { objects, position: next, done: false };
  }

  private remember(time: number, objects: readonly CrmObject[]): void {
    if (time !== this.seenAt.time) this.seenAt = { time, ids: new Set() };
    for (const object of objects) this.seenAt.ids.add(object.id);
  }
}
