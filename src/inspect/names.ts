/**
 * File names as `cube inspect` prints them. ext4 names are bytes (src/core/names.ts); most are
 * UTF-8, and those print as they are. A byte that is not part of valid UTF-8 prints as `\xNN`, as
 * does a control character (so a name cannot break a line or a terminal), and a backslash as
 * `\\`: the printed form is never ambiguous, and never decoded lossily into U+FFFD.
 */
import { escapeName, nameFromBytes } from '../core/names.js';

/** A name's printable form: UTF-8 as it is, other bytes and control characters as `\xNN`, `\` as `\\`. */
export function displayName(bytes: Uint8Array): string {
  return escapeName(nameFromBytes(bytes), { unambiguous: true });
}
