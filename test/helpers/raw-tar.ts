/**
 * Hand-made tar members, for records tar-stream's packer cannot write: pax headers whose values
 * are raw bytes (binary xattrs, names that are not UTF-8), exactly as GNU tar and BuildKit write
 * them, and ustar names and link targets given as bytes.
 */

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** Header fields besides name, size, type and mode. */
export interface UstarExtra {
  readonly linkname?: string | Buffer;
  readonly mtime?: number;
  readonly devmajor?: number;
  readonly devminor?: number;
}

/** A 512-byte ustar header; a name or link target given as bytes is written as they are. */
export function ustarHeader(name: string | Buffer, size: number, type: string, mode = 0o644, extra: UstarExtra = {}): Buffer {
  const h = Buffer.alloc(512);
  Buffer.from(name).copy(h, 0, 0, 100);
  if (extra.linkname !== undefined) Buffer.from(extra.linkname).copy(h, 157, 0, 100);
  h.write(octal(mode, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1');
  h.write(octal(0, 8), 116, 'latin1');
  h.write(octal(size, 12), 124, 'latin1');
  h.write(octal(extra.mtime ?? 1_700_000_000, 12), 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write(type, 156, 'latin1');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  if (extra.devmajor !== undefined) h.write(octal(extra.devmajor, 8), 329, 'latin1');
  if (extra.devminor !== undefined) h.write(octal(extra.devminor, 8), 337, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'latin1');
  return h;
}

function pad(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

/** One pax record `LEN key=value\n` with `value` as raw bytes. */
export function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length = String(length).length + body.length;
  return Buffer.concat([Buffer.from(String(length)), body]);
}

/** A tar with one regular file (of `mode`) preceded by a pax header holding `records`. */
export function tarWithPax(name: string, content: Buffer, records: readonly Buffer[], mode = 0o644): Buffer {
  const pax = Buffer.concat(records);
  return Buffer.concat([ustarHeader(`PaxHeader/${name}`, pax.length, 'x'), pad(pax), ustarHeader(name, content.length, '0', mode), pad(content), Buffer.alloc(1024)]);
}

/** One member of {@link rawTar}: a typeflag (`0` file, `1` hard link, `2` symlink, `3`/`4` devices, `5` directory, `6` fifo). */
export interface RawMember extends UstarExtra {
  readonly name: string | Buffer;
  readonly type?: string;
  readonly content?: Buffer;
  readonly mode?: number;
  /** Pax records for this member (from {@link paxRecord}); a `path` record overrides `name`. */
  readonly pax?: readonly Buffer[];
}

/** A tar of `members`, each preceded by its pax header when it has records, ended by two zero blocks. */
export function rawTar(members: readonly RawMember[]): Buffer {
  const parts: Buffer[] = [];
  for (const m of members) {
    const content = m.content ?? Buffer.alloc(0);
    if (m.pax && m.pax.length > 0) {
      const pax = Buffer.concat(m.pax);
      parts.push(ustarHeader('PaxHeader/entry', pax.length, 'x'), pad(pax));
    }
    parts.push(ustarHeader(m.name, content.length, m.type ?? '0', m.mode ?? 0o644, m), pad(content));
  }
  return Buffer.concat([...parts, Buffer.alloc(1024)]);
}

/** A tar holding one GNU sparse 1.0 member as GNU tar writes it (`major` other than 1 makes the refused 0.x form). */
export function sparseTar(name: string | Buffer, realSize: number, regions: { offset: number; data: Buffer }[], major = '1'): Buffer {
  const bytes = Buffer.from(name);
  const map = pad(Buffer.from([regions.length, ...regions.flatMap((r) => [r.offset, r.data.length])].join('\n') + '\n'));
  const body = Buffer.concat([map, ...regions.map((r) => r.data)]);
  const pax = Buffer.concat([
    paxRecord('GNU.sparse.major', Buffer.from(major)),
    paxRecord('GNU.sparse.minor', Buffer.from('0')),
    paxRecord('GNU.sparse.name', bytes),
    paxRecord('GNU.sparse.realsize', Buffer.from(String(realSize))),
  ]);
  return Buffer.concat([ustarHeader('PaxHeader/x', pax.length, 'x'), pad(pax), ustarHeader(Buffer.concat([Buffer.from('GNUSparseFile.1/'), bytes.subarray(bytes.lastIndexOf(0x2f) + 1)]), body.length, '0'), pad(body), Buffer.alloc(1024)]);
}
