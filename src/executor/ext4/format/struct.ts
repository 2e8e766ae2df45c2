/**
 * Field tables: an on-disk structure is declared once as named fields at fixed offsets, and the
 * same table both writes and reads it. Nothing outside `format/` names a byte offset; encoders
 * pass values by field name, checksums find their field by name.
 */

/** A fixed-width unsigned integer field. */
export interface IntField {
  readonly offset: number;
  readonly type: 'u8' | 'u16' | 'u32';
}

/** A run of raw bytes (a UUID, a label, an inode's block map). Shorter values are zero-padded; longer ones are cut. */
export interface BytesField {
  readonly offset: number;
  readonly type: 'bytes';
  readonly length: number;
}

/** One field of a structure. */
export type Field = IntField | BytesField;

/** An 8-bit field at `offset`. */
export const u8 = (offset: number): IntField => ({ offset, type: 'u8' });
/** A 16-bit field at `offset`. */
export const u16 = (offset: number): IntField => ({ offset, type: 'u16' });
/** A 32-bit field at `offset`. */
export const u32 = (offset: number): IntField => ({ offset, type: 'u32' });
/** `length` raw bytes at `offset`. */
export const bytes = (offset: number, length: number): BytesField => ({ offset, type: 'bytes', length });

/** The value type of a field: a number for an integer, bytes for a byte run. */
export type FieldValue<T extends Field> = T extends BytesField ? Uint8Array : number;

/** The value type of each field of a table. */
export type FieldValues<F extends Record<string, Field>> = { [K in keyof F]: FieldValue<F[K]> };

const WIDTH = { u8: 1, u16: 2, u32: 4 } as const;

function widthOf(field: Field): number {
  return field.type === 'bytes' ? field.length : WIDTH[field.type];
}

/** A structure: its size, byte order and field table, with the writer and reader that follow the table. */
export class Struct<F extends Record<string, Field>> {
  /** What the structure is, for messages and test names. */
  readonly name: string;
  /** Bytes of the structure. */
  readonly size: number;
  /** jbd2's structures are big-endian; ext4's are little-endian. */
  readonly bigEndian: boolean;
  /** The field table, by name. */
  readonly fields: F;

  constructor(name: string, size: number, fields: F, byteOrder: 'le' | 'be' = 'le') {
    // A field outside the structure or over another is a typo in a table: fail when the module loads.
    const spans = Object.entries(fields)
      .map(([key, f]) => ({ key, start: f.offset, end: f.offset + widthOf(f) }))
      .sort((a, b) => a.start - b.start);
    spans.forEach((s, i) => {
      const previous = spans[i - 1];
      if (s.end > size) throw new Error(`${name}.${s.key} ends at ${s.end}, past the structure's ${size} bytes`);
      if (previous && previous.end > s.start) throw new Error(`${name}.${s.key} overlaps ${name}.${previous.key}`);
    });
    this.name = name;
    this.size = size;
    this.bigEndian = byteOrder === 'be';
    this.fields = fields;
  }

  #field(key: keyof F): Field {
    return this.fields[key] as Field;
  }

  /** Byte offset of `key` within the structure. */
  offsetOf(key: keyof F): number {
    return this.#field(key).offset;
  }

  /** Writes the given fields into the structure at byte `at` of `into`; other bytes are left as they are. */
  write(into: Buffer, at: number, values: Partial<FieldValues<F>>): void {
    for (const key in values) {
      const value = values[key];
      if (value !== undefined) this.set(into, at, key, value);
    }
  }

  /** A new zero-filled structure holding the given fields. */
  encode(values: Partial<FieldValues<F>>): Buffer {
    const b = Buffer.alloc(this.size);
    this.write(b, 0, values);
    return b;
  }

  /** Writes one field. Integers must fit the field: callers split wide values into their lo/hi fields. */
  set<K extends keyof F>(into: Buffer, at: number, key: K, value: FieldValues<F>[K]): void {
    const field = this.#field(key);
    const o = at + field.offset;
    if (field.type === 'bytes') {
      const source = value as Uint8Array;
      into.set(source.length > field.length ? source.subarray(0, field.length) : source, o);
      return;
    }
    const n = value as number;
    if (field.type === 'u8') into.writeUInt8(n, o);
    else if (field.type === 'u16') this.bigEndian ? into.writeUInt16BE(n, o) : into.writeUInt16LE(n, o);
    else this.bigEndian ? into.writeUInt32BE(n, o) : into.writeUInt32LE(n, o);
  }

  /** Reads one field. */
  get<K extends keyof F>(from: Buffer, at: number, key: K): FieldValues<F>[K] {
    const field = this.#field(key);
    const o = at + field.offset;
    let value: Uint8Array | number;
    if (field.type === 'bytes') value = Buffer.from(from.subarray(o, o + field.length));
    else if (field.type === 'u8') value = from.readUInt8(o);
    else if (field.type === 'u16') value = this.bigEndian ? from.readUInt16BE(o) : from.readUInt16LE(o);
    else value = this.bigEndian ? from.readUInt32BE(o) : from.readUInt32LE(o);
    return value as FieldValues<F>[K];
  }

  /** Reads every field of the structure at byte `at` of `from`. */
  read(from: Buffer, at = 0): FieldValues<F> {
    const out: Partial<FieldValues<F>> = {};
    for (const key in this.fields) out[key] = this.get(from, at, key);
    return out as FieldValues<F>;
  }
}

/** The low 16 bits of a value (the `_lo` half of a field ext4 splits). */
export function lo16(value: number): number {
  return value & 0xffff;
}

/** Bits 16–31 of a value (the `_hi` half of a split 32-bit field). */
export function hi16(value: number): number {
  return (value >>> 16) & 0xffff;
}

/** The low 32 bits of a value up to 2^53. */
export function lo32(value: number): number {
  return value % 2 ** 32;
}

/** Bits 32 and up of a value up to 2^53 (the `_hi` half of a split 64-bit field). */
export function hi32(value: number): number {
  return Math.floor(value / 2 ** 32);
}
