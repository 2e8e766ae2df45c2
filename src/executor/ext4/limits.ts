/**
 * What one entry can hold, as cube writes ext4: names without NUL of at most 255 bytes per
 * component, symlink targets of 1 to 4095 bytes, files up to 16 TiB less 4 KiB, device numbers of
 * 12 and 20 bits, times ext4 stores and e2fsck accepts. Anything else would be cut, wrapped or
 * written into an image e2fsck rejects, so it is refused. Flattening checks each layer entry, so
 * the refusal names the layer; the writer checks every entry again, whoever sends it.
 */
import type { CatalogEntry } from '../../core/diagnostics/catalog-entry.js';
import { ext4Codes } from '../../core/diagnostics/codes-ext4.js';
import { nameByteLength } from '../../core/names.js';
import { EARLIEST_TIME, LATEST_TIME } from '../../core/tree-writer.js';
import type { EntryMeta, Timestamp } from '../../core/tree-writer.js';
import { DEVICE_MAJOR_MAX, DEVICE_MINOR_MAX, MAX_FILE_SIZE, NAME_MAX, SYMLINK_MAX } from './format/index.js';

/** Why an entry cannot be written: the code, and what to say after the entry's name. */
export interface EntryProblem {
  readonly entry: CatalogEntry;
  readonly what: string;
}

/** Why `path` cannot be a name in the image (a NUL, a component over 255 bytes), or undefined. */
export function pathProblem(path: string): EntryProblem | undefined {
  if (path.includes('\0')) return { entry: ext4Codes.nameHasNul, what: 'has a NUL byte in its name' };
  // A UTF-16 unit is at most 3 bytes: a short path cannot hold a long component.
  if (path.length * 3 <= NAME_MAX) return undefined;
  for (const part of path.split('/')) {
    const bytes = nameByteLength(part);
    if (bytes > NAME_MAX) return { entry: ext4Codes.nameTooLong, what: `has a name of ${bytes} bytes ("${part.slice(0, 40)}…"), longer than ext4's ${NAME_MAX}` };
  }
  return undefined;
}

function timeProblem(meta: EntryMeta): EntryProblem | undefined {
  for (const [what, time] of [['mtime', meta.mtime], ['atime', meta.atime], ['ctime', meta.ctime]] as const) {
    if (time === undefined || inRange(time)) continue;
    return { entry: ext4Codes.timeOutOfRange, what: `has ${what} ${Number.isFinite(time.sec) ? `${time.sec} s from 1970` : 'that is not a number'}, outside ${EARLIEST_TIME}..${LATEST_TIME}` };
  }
  return undefined;
}

function inRange(time: Timestamp): boolean {
  return Number.isSafeInteger(time.sec) && time.sec >= EARLIEST_TIME && time.sec <= LATEST_TIME && Number.isInteger(time.nsec) && time.nsec >= 0 && time.nsec < 1e9;
}

/** Why an entry of this kind, size, target, device number or time cannot be stored, or undefined. */
export function metaProblem(meta: EntryMeta): EntryProblem | undefined {
  if (meta.type === 'symlink') {
    const target = meta.linkTarget ?? '';
    if (target === '') return { entry: ext4Codes.emptySymlink, what: 'is a symlink with an empty target' };
    if (target.includes('\0')) return { entry: ext4Codes.nameHasNul, what: 'has a NUL byte in its symlink target' };
    const bytes = nameByteLength(target);
    if (bytes > SYMLINK_MAX) return { entry: ext4Codes.symlinkTooLong, what: `is a symlink whose target is ${bytes} bytes, longer than ${SYMLINK_MAX}` };
  }
  if (meta.type === 'file' && (meta.size ?? 0) > MAX_FILE_SIZE) {
    return { entry: ext4Codes.fileTooLarge, what: `is ${meta.size} bytes, larger than ext4's largest file (${MAX_FILE_SIZE})` };
  }
  if (meta.type === 'char' || meta.type === 'block') {
    const major = meta.devMajor ?? 0;
    const minor = meta.devMinor ?? 0;
    if (!Number.isInteger(major) || !Number.isInteger(minor) || major < 0 || minor < 0 || major > DEVICE_MAJOR_MAX || minor > DEVICE_MINOR_MAX) {
      return { entry: ext4Codes.deviceNumber, what: `is device ${major}:${minor}; Linux device numbers go to ${DEVICE_MAJOR_MAX}:${DEVICE_MINOR_MAX}` };
    }
  }
  return timeProblem(meta);
}
