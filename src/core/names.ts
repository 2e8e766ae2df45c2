/**
 * Names are bytes. A Linux file name (and a symlink target) is any byte sequence without `/` or
 * NUL; a layer tar carries it as such, and ext4 stores it as such. cube keeps names as JS strings
 * (map keys, comparisons, paths joined with `/`) in one lossless form, PEP 383's
 * "surrogateescape":
 *
 * - bytes that are valid UTF-8 decode exactly as UTF-8, so an ordinary name is the string it has
 *   always been (image bytes, plan ids and messages are unchanged for it);
 * - every byte that is not part of valid UTF-8 becomes the lone surrogate U+DC80 + (byte − 0x80),
 *   which UTF-8 can never produce, so the mapping is one-to-one and every byte sequence survives.
 *
 * Conversions happen only where bytes meet strings: tar headers (`nameFromLatin1`), host
 * directory listings (`nameFromBytes`), the ext4 writer (`nameToBytes`), and text shown to people
 * or written to JSON (`escapeName`, the one escaping function: `\xNN`). Cutting a name at an
 * ASCII byte such as `/` cuts the string at the same place, so path handling needs no conversion.
 */

import { readdir } from 'node:fs/promises';

const ESCAPE_BASE = 0xdc00;
/** Strings with a surrogate code unit need the slow paths; all others are plain UTF-16 text. */
const SURROGATE = /[\ud800-\udfff]/;
const NON_ASCII = /[^\x00-\x7f]/;
/** Surrogate pairs are matched whole (and kept); a lone surrogate, NUL, or with `unambiguous` a control character or `\`, is escaped. */
const TO_ESCAPE = /[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff\0]/g;
const UNAMBIGUOUS = /[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff\x00-\x1f\x7f\\]/g;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there starts none. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i] as number;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < bytes.length && (bytes[i + k] as number) >= lo && (bytes[i + k] as number) <= hi;
  if (b0 < 0x80) return 1;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  // The second byte's range excludes overlong forms (E0, F0), surrogates (ED) and code points past U+10FFFF (F4).
  if (b0 >= 0xe0 && b0 <= 0xef) return cont(1, b0 === 0xe0 ? 0xa0 : 0x80, b0 === 0xed ? 0x9f : 0xbf) && cont(2) ? 3 : 0;
  if (b0 >= 0xf0 && b0 <= 0xf4) return cont(1, b0 === 0xf0 ? 0x90 : 0x80, b0 === 0xf4 ? 0x8f : 0xbf) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** The name a byte sequence is (see the module comment); every byte sequence has exactly one. */
export function nameFromBytes(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    // Not valid UTF-8: decode the valid sequences and escape every other byte on its own.
  }
  let out = '';
  let start = 0;
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i);
    if (length > 0) {
      i += length;
      continue;
    }
    out += Buffer.from(bytes.subarray(start, i)).toString('utf8') + String.fromCharCode(ESCAPE_BASE + (bytes[i] as number));
    start = ++i;
  }
  return out + Buffer.from(bytes.subarray(start)).toString('utf8');
}

/** The name a string decoded as Latin-1 (one character per byte, as tar-stream is asked to) is. */
export function nameFromLatin1(text: string): string {
  return NON_ASCII.test(text) ? nameFromBytes(Buffer.from(text, 'latin1')) : text;
}

/**
 * The bytes of a name. A lone surrogate that is not an escaped byte (only a JSON document can
 * carry one) is U+FFFD's bytes, as Buffer's UTF-8 encoder writes it.
 */
export function nameToBytes(name: string): Buffer {
  if (!SURROGATE.test(name)) return Buffer.from(name, 'utf8');
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < name.length && (name.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      i++;
      continue;
    }
    if (unit < 0xdc80 || unit > 0xdcff) continue;
    parts.push(Buffer.from(name.slice(start, i), 'utf8'), Buffer.of(unit - ESCAPE_BASE));
    start = i + 1;
  }
  parts.push(Buffer.from(name.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

/** How many bytes a name has (what ext4's 255-byte limit counts). */
export function nameByteLength(name: string): number {
  return SURROGATE.test(name) ? nameToBytes(name).length : Buffer.byteLength(name, 'utf8');
}

/** Orders names by their bytes, the order ext4 lists a directory in. */
export function compareNames(a: string, b: string): number {
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) {
    // Without surrogates, UTF-16 order is code point order, which is UTF-8 byte order.
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return Buffer.compare(nameToBytes(a), nameToBytes(b));
}

/**
 * A name as valid Unicode text, for messages, logs and JSON: each byte that is not UTF-8 as
 * `\xNN`, and NUL (which no name may hold, and a terminal would not show) as `\x00`; any other
 * lone surrogate as `\u{XXXX}`; everything else unchanged. `unambiguous` (how `cube inspect`
 * prints names) also writes every control character as `\xNN` and a backslash as `\\`, so the
 * text names exactly one byte string and cannot break a line or a terminal.
 */
export function escapeName(name: string, options: { readonly unambiguous?: boolean } = {}): string {
  const pattern = options.unambiguous ? UNAMBIGUOUS : TO_ESCAPE;
  pattern.lastIndex = 0;
  if (!pattern.test(name)) return name;
  pattern.lastIndex = 0;
  return name.replace(pattern, (unit) => {
    if (unit.length === 2) return unit;
    if (unit === '\\') return '\\\\';
    const code = unit.charCodeAt(0);
    if (code < 0x80) return `\\x${code.toString(16).padStart(2, '0')}`;
    return code >= 0xdc80 && code <= 0xdcff ? `\\x${(code - ESCAPE_BASE).toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** A host path in cube's name form as Node's fs takes it: the string itself, or its bytes when it holds a byte that is not UTF-8. */
export function fsPath(path: string): string | Buffer {
  return SURROGATE.test(path) ? nameToBytes(path) : path;
}

/** The names in a host directory, each in cube's name form (Node's own listing decodes them lossily). */
export async function readNames(dir: string): Promise<string[]> {
  const names = await readdir(fsPath(dir), { encoding: 'buffer' });
  return names.map(nameFromBytes);
}
