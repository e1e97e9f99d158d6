import { LeadscoreError } from '../errors.js';
import type { Store } from '../store/index.js';

/** Finds one record by internal id, external id or email; several matches are an error naming them. */
export function findOneRecord(store: Store, query: string) {
  const matches = store.findRecords(query, 5);
  if (matches.length === 0) {
    throw new LeadscoreError('ERR_RECORD_NOT_FOUND', `No record matches "${query}".`);
  }
  if (matches.length > 1) {
    const names = matches.map((record) => `${record.source}:${record.externalId}`).join(', ');
    throw new LeadscoreError('ERR_RECORD_NOT_FOUND', `"${query}" matches several records (${names}).`, {
      hint: 'Give the record id as source:id to pick one.',
    });
  }
  return matches[0]!;
}
