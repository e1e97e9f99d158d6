/**
 * Who may own a record: the OwnerId on a save must be an active User. A deactivated User gives
 * INACTIVE_OWNER_OR_USER ("The user or record owner is not active"), an id that is no User
 * INVALID_CROSS_REFERENCE_KEY.
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm#statuscode
 * Deactivate a User in tests with `state.editRecord('User', id, { IsActive: false })`.
 */
import { parseId } from './ids.js';
import type { FieldDef } from './schema.js';
import type { TableLookup } from './soql.js';
import type { Table, Value } from './table.js';
import type { SaveError } from './writes.js';

export function ownerErrors(
  lookup: Pick<TableLookup, 'table'>,
  table: Table,
  values: Map<FieldDef, Value>,
): SaveError[] {
  for (const [field, value] of values) {
    if (field.name !== 'OwnerId' || typeof value !== 'string') continue;
    const users = lookup.table('User');
    const parsed = parseId(value);
    if (!users || !parsed || parsed.prefix !== users.def.keyPrefix || !users.exists(parsed.row)) {
      // ◐ message as reported for a bad owner id.
      return [
        {
          statusCode: 'INVALID_CROSS_REFERENCE_KEY',
          message: 'invalid cross reference id',
          fields: ['OwnerId'],
        },
      ];
    }
    if (users.get(parsed.row, 'IsActive') === false) {
      // ◐ wording as quoted in Marketo's Salesforce sync error list.
      return [
        {
          statusCode: 'INACTIVE_OWNER_OR_USER',
          message: `operation performed with inactive user [${value}] as owner of ${table.def.name.toLowerCase()}`,
          fields: [],
        },
      ];
    }
  }
  return [];
}
