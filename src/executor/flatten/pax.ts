/**
 * Byte-exact pax records. tar-stream decodes every pax value as UTF-8, which replaces bytes
 * that are not valid UTF-8 — and `SCHILY.xattr.*` values are raw bytes (a `security.capability`
 * with CAP_SETUID set holds 0x80), as are names (`path`, `linkpath`, `GNU.sparse.name`: GNU tar
 * writes a name that is not UTF-8 as its bytes). tar-stream reads pax records through its
 * `headers` module, so cube replaces that module's decoder with one that keeps those values as
 * Latin-1 strings, one character per byte, as tar-stream is asked to decode ustar names
 * (read-layer.ts): `paxXattrs` recovers an attribute's exact bytes, and read-layer.ts turns
 * every name into cube's byte-exact form. Every other record is decoded as before.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const headers = require(join(dirname(require.resolve('tar-stream')), 'headers.js')) as { decodePax(buf: Buffer): Record<string, string> };

/** The prefix of records whose values are raw bytes. */
export const XATTR_PREFIX = 'SCHILY.xattr.';
/** The records that hold a name. */
const NAME_RECORDS: ReadonlySet<string> = new Set(['path', 'linkpath', 'GNU.sparse.name']);

function decodePax(buf: Buffer): Record<string, string> {
  const result: Record<string, string> = {};
  let rest = buf;
  while (rest.length > 0) {
    const space = rest.indexOf(0x20);
    if (space <= 0) return result;
    const length = parseInt(rest.subarray(0, space).toString('utf8'), 10);
    if (!length || length > rest.length) return result;
    const record = rest.subarray(space + 1, length - 1);
    const equals = record.indexOf(0x3d);
    if (equals === -1) return result;
    const key = record.subarray(0, equals).toString('utf8');
    result[key] = record.subarray(equals + 1).toString(key.startsWith(XATTR_PREFIX) || NAME_RECORDS.has(key) ? 'latin1' : 'utf8');
    rest = rest.subarray(length);
  }
  return result;
}

headers.decodePax = decodePax;
