/**
 * File names as `cube inspect` prints them. ext4 names are bytes; most are UTF-8, and those print
 * as they are. A byte that is not part of valid UTF-8 prints as `\xNN`, as does a control
 * character (so a name cannot break a line or a terminal), and a backslash as `\\`: the printed
 * form is never ambiguous, and never decoded lossily into U+FFFD.
 */

/** Continuation-byte bounds of the second byte after each lead byte whose range is narrower than 80–BF (RFC 3629). */
const SECOND_BYTE: Readonly<Record<number, readonly [number, number]>> = { 0xe0: [0xa0, 0xbf], 0xed: [0x80, 0x9f], 0xf0: [0x90, 0xbf], 0xf4: [0x80, 0x8f] };

/** Bytes in the UTF-8 sequence a lead byte starts (0 for a byte that cannot start one). */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** The length of the valid UTF-8 sequence at `at`, or 0 when the byte there does not start one. */
function validSequence(bytes: Uint8Array, at: number): number {
  const lead = bytes[at] as number;
  const length = sequenceLength(lead);
  if (length <= 1 || at + length > bytes.length) return length === 1 ? 1 : 0;
  for (let i = 1; i < length; i++) {
    const [low, high] = i === 1 ? (SECOND_BYTE[lead] ?? [0x80, 0xbf]) : [0x80, 0xbf];
    const b = bytes[at + i] as number;
    if (b < low || b > high) return 0;
  }
  return length;
}

function hexEscape(byte: number): string {
  return `\\x${byte.toString(16).padStart(2, '0')}`;
}

/** A name's printable form: UTF-8 as it is, other bytes and control characters as `\xNN`, `\` as `\\`. */
export function displayName(bytes: Uint8Array): string {
  let out = '';
  let at = 0;
  while (at < bytes.length) {
    const length = validSequence(bytes, at);
    const byte = bytes[at] as number;
    if (length === 0 || (length === 1 && (byte < 0x20 || byte === 0x7f))) {
      out += hexEscape(byte);
      at++;
    } else if (byte === 0x5c) {
      out += '\\\\';
      at++;
    } else {
      out += Buffer.from(bytes.subarray(at, at + length)).toString('utf8');
      at += length;
    }
  }
  return out;
}

/** The name as a string when it is valid UTF-8 (the form cube's own records use), else undefined. */
export function utf8Name(bytes: Uint8Array): string | undefined {
  for (let at = 0; at < bytes.length; ) {
    const length = validSequence(bytes, at);
    if (length === 0) return undefined;
    at += length;
  }
  return Buffer.from(bytes).toString('utf8');
}
