/**
 * What one entry can hold, as cube writes ext4: names without NUL of at most 255 bytes per
 * component, symlink targets of 1 to 4095 bytes, files up to 16 TiB less 4 KiB, device numbers of
 * 12 and 20 bits, times ext4 stores and e2fsck accepts. Anything else would be cut, wrapped or
 * written into an image e2fsck rejects, so it is refused. Flattening checks each layer entry, so
 * the refusal names the layer; the writer checks every entry again, whoever sends it.
 */
import { ext4Codes } from '../../core/diagnostics/codes-ext4.js';
import { createDiagnostic } from '../../core/diagnostics/index.js';
import type { Diagnostic } from '../../core/diagnostics/index.js';
import { nameByteLength } from '../../core/names.js';
import { EARLIEST_TIME, LATEST_TIME } from '../../core/tree-writer.js';
import type { EntryMeta, Timestamp } from '../../core/tree-writer.js';
import { DEVICE_MAJOR_MAX, DEVICE_MINOR_MAX, MAX_FILE_SIZE, NAME_MAX, SYMLINK_MAX } from './format/index.js';

/**
 * Why an entry cannot be written, as the diagnostic for it given who names the entry: the writer
 * names its path, flattening the layer and the entry (`layer sha256:…: entry "usr/x"`).
 */
export type EntryProblem = (subject: string) => Diagnostic;

/** Why `path` cannot be a name in the image (a NUL, a component over 255 bytes), or undefined. */
export function pathProblem(path: string): EntryProblem | undefined {
  if (path.includes('\0')) return (subject) => createDiagnostic(ext4Codes.nameHasNul, 'name', { subject });
  // A UTF-16 unit is at most 3 bytes: a short path cannot hold a long component.
  if (path.length * 3 <= NAME_MAX) return undefined;
  for (const part of path.split('/')) {
    const bytes = nameByteLength(part);
    if (bytes > NAME_MAX) return (subject) => createDiagnostic(ext4Codes.nameTooLong, 'component', { subject, bytes, name: part.slice(0, 40), max: NAME_MAX });
  }
  return undefined;
}

function timeProblem(meta: EntryMeta): EntryProblem | undefined {
  for (const [field, time] of [['mtime', meta.mtime], ['atime', meta.atime], ['ctime', meta.ctime]] as const) {
    if (time === undefined || inRange(time)) continue;
    return (subject) => createDiagnostic(ext4Codes.timeOutOfRange, 'range', { subject, field, sec: time.sec, earliest: EARLIEST_TIME, latest: LATEST_TIME });
  }
  return undefined;
}

function inRange(time: Timestamp): boolean {
  return Number.isSafeInteger(time.sec) && time.sec >= EARLIEST_TIME && time.sec <= LATEST_TIME && Number.isInteger(time.nsec) && time.nsec >= 0 && time.nsec < 1e9;
}

function symlinkProblem(target: string): EntryProblem | undefined {
  if (target === '') return (subject) => createDiagnostic(ext4Codes.emptySymlink, 'empty', { subject });
  if (target.includes('\0')) return (subject) => createDiagnostic(ext4Codes.nameHasNul, 'target', { subject });
  const bytes = nameByteLength(target);
  if (bytes > SYMLINK_MAX) return (subject) => createDiagnostic(ext4Codes.symlinkTooLong, 'long', { subject, bytes, max: SYMLINK_MAX });
  return undefined;
}

/** Why an entry of this kind, size, target, device number or time cannot be stored, or undefined. */
export function metaProblem(meta: EntryMeta): EntryProblem | undefined {
  if (meta.type === 'symlink') {
    const problem = symlinkProblem(meta.linkTarget ?? '');
    if (problem) return problem;
  }
  const size = meta.size ?? 0;
  if (meta.type === 'file' && size > MAX_FILE_SIZE) return (subject) => createDiagnostic(ext4Codes.fileTooLarge, 'large', { subject, size, max: MAX_FILE_SIZE });
  if (meta.type === 'char' || meta.type === 'block') {
    const major = meta.devMajor ?? 0;
    const minor = meta.devMinor ?? 0;
    if (!Number.isInteger(major) || !Number.isInteger(minor) || major < 0 || minor < 0 || major > DEVICE_MAJOR_MAX || minor > DEVICE_MINOR_MAX) {
      return (subject) => createDiagnostic(ext4Codes.deviceNumber, 'range', { subject, major, minor, maxMajor: DEVICE_MAJOR_MAX, maxMinor: DEVICE_MINOR_MAX });
    }
  }
  return timeProblem(meta);
}
