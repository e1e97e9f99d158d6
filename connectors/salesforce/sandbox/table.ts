import { makeId } from './ids.js';
import type { FieldDef, ObjectDef } from './schema.js';

/** Stored values: datetimes and dates are epoch milliseconds; formatting happens on the way out. */
export type Value = string | number | boolean | null;
export type Getter = (row: number) => Value;

type TypedArray = Float64Array | Int32Array | Uint8Array | Uint16Array;
type TypedCtor<T extends TypedArray> = new (length: number) => T;

/** A growable typed column: compact storage for hundreds of thousands of generated rows. */
export class Column<T extends TypedArray> {
  data: T;
  length = 0;
  constructor(
    private readonly ctor: TypedCtor<T>,
    capacity = 1024,
  ) {
    this.data = new ctor(Math.max(16, Math.ceil(capacity)));
  }
  push(value: number): number {
    if (this.length === this.data.length) {
      const next = new this.ctor(this.data.length * 2);
      (next as unknown as { set(a: ArrayLike<number>): void }).set(this.data);
      this.data = next;
    }
    this.data[this.length] = value;
    return this.length++;
  }
  at(row: number): number {
    return this.data[row] as number;
  }
  put(row: number, value: number): void {
    this.data[row] = value;
  }
}

export const f64 = (capacity?: number) => new Column(Float64Array, capacity);
export const i32 = (capacity?: number) => new Column(Int32Array, capacity);
export const u8 = (capacity?: number) => new Column(Uint8Array, capacity);
export const u16 = (capacity?: number) => new Column(Uint16Array, capacity);

/**
 * One sObject's rows: generated rows read through getters over compact columns; writes and rows
 * created later live in a sparse overlay.
 */
export class Table {
  readonly def: ObjectDef;
  /** Fields the API user can see (standard fields plus custom fields with field-level security). */
  fields: FieldDef[];
  private visible: Map<string, FieldDef>;
  /** Custom fields that exist but the API user cannot see yet (no FLS). */
  readonly hidden = new Map<string, FieldDef>();
  /** Custom fields' own definitions, kept while field-level security narrows them. */
  private readonly originals = new Map<string, FieldDef>();
  /** Object permission of the API user (Read / Edit, or none: the object is not served). */
  access: 'none' | 'read' | 'edit' = 'edit';
  private readonly getters = new Map<string, Getter>();
  private readonly overlay = new Map<number, Map<string, Value>>();
  baseRows: number;
  rows: number;

  constructor(def: ObjectDef, baseRows: number, getters: Record<string, Getter>) {
    this.def = def;
    this.fields = [...def.fields];
    this.visible = new Map(def.fieldMap);
    this.baseRows = baseRows;
    this.rows = baseRows;
    for (const [name, getter] of Object.entries(getters)) this.getters.set(name, getter);
  }

  field(name: string): FieldDef | undefined {
    return this.visible.get(name.toLowerCase());
  }

  addField(def: FieldDef, visible: boolean): void {
    if (visible) {
      this.fields.push(def);
      this.visible.set(def.name.toLowerCase(), def);
    } else {
      this.hidden.set(def.name.toLowerCase(), def);
    }
  }

  /**
   * Field-level security for the API user: 'none' hides the field (describe and query no longer know it),
   * 'read' keeps it visible but not updateable/createable, 'edit' restores the schema's own flags.
   * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/obj_ref_data_access.htm
   */
  setFieldAccess(name: string, access: 'none' | 'read' | 'edit'): boolean {
    const lower = name.toLowerCase();
    const current = this.visible.get(lower) ?? this.hidden.get(lower);
    if (!current) return false;
    const original = this.def.fieldMap.get(lower) ?? this.originals.get(lower) ?? current;
    if (!this.def.fieldMap.has(lower)) this.originals.set(lower, original);
    this.visible.delete(lower);
    this.hidden.delete(lower);
    this.fields = this.fields.filter((f) => f.name.toLowerCase() !== lower);
    if (access === 'none') {
      this.hidden.set(lower, original);
      return true;
    }
    const def = access === 'read' ? { ...original, updateable: false, createable: false } : original;
    this.fields.push(def);
    this.visible.set(lower, def);
    return true;
  }

  grantField(name: string): boolean {
    const def = this.hidden.get(name.toLowerCase());
    if (!def) return false;
    this.hidden.delete(name.toLowerCase());
    this.addField(def, true);
    return true;
  }

  id(row: number): string {
    return makeId(this.def.keyPrefix, row);
  }

  get(row: number, name: string): Value {
    if (name === 'Id') return this.id(row);
    const patch = this.overlay.get(row);
    if (patch?.has(name)) return patch.get(name) as Value;
    if (row >= this.baseRows) return null;
    const getter = this.getters.get(name);
    return getter ? getter(row) : null;
  }

  set(row: number, name: string, value: Value): void {
    let patch = this.overlay.get(row);
    if (!patch) {
      patch = new Map();
      this.overlay.set(row, patch);
    }
    patch.set(name, value);
  }

  append(values: Record<string, Value>): number {
    const row = this.rows++;
    for (const [name, value] of Object.entries(values)) this.set(row, name, value);
    return row;
  }

  exists(row: number): boolean {
    return row >= 0 && row < this.rows;
  }
}
