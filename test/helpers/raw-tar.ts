/**
 * Hand-made tar members, for records tar-stream's packer cannot write: pax headers whose values
 * are raw bytes (binary xattrs), exactly as GNU tar and BuildKit write them.
 */

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** A 512-byte ustar header. */
export function ustarHeader(name: string, size: number, type: string, mode = 0o644): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1');
  h.write(octal(0, 8), 116, 'latin1');
  h.write(octal(size, 12), 124, 'latin1');
  h.write(octal(1_700_000_000, 12), 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write(type, 156, 'latin1');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
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
