/** Diagnostic codes for ext4 sealing (CUBE30xx). Codes are stable: never renumber or reuse one. */
import type { CatalogEntry } from './catalog-entry.js';

/** The ext4 sealing (CUBE30xx) codes. */
export const ext4Codes = {
  tooSmall: {
    code: 'CUBE3001',
    severity: 'error',
    summary: 'The content does not fit in the fixed SEAL SIZE.',
    hint: 'raise SEAL ext4 SIZE to at least the size quoted, or use FREE n to size the image from its content',
    messages: {
      content: 'the content needs {need} bytes ({mib} MiB), more than SEAL SIZE {size} bytes',
      filesAlone: 'the files alone need at least {need} bytes ({mib} MiB), more than SEAL SIZE {size} bytes',
    },
  },
  parentNotDirectory: {
    code: 'CUBE3002',
    severity: 'error',
    summary: 'An entry lies below a path that is not a directory.',
    hint: 'the layers or COPY steps put a file where a directory is expected; fix the image or the COPY destination',
    messages: { notDirectory: 'cannot write {path}: {at} is not a directory' },
  },
  xattrTooLarge: {
    code: 'CUBE3003',
    severity: 'error',
    summary: 'A file\'s extended attributes do not fit in one ext4 block.',
    hint: 'reduce the extended attributes on that file in the base image',
    messages: { tooLarge: 'extended attributes of one file need more than {bytes} bytes' },
  },
  tooLarge: {
    code: 'CUBE3005',
    severity: 'error',
    summary: 'The filesystem would exceed what the writer supports (16 TiB, 2^32 inodes).',
    hint: 'split the content, or use a smaller base image',
    messages: {
      groups: 'the filesystem would need {groups} block groups',
      htree: 'a directory of {entries} entries needs more than two index levels',
    },
  },
  nameTooLong: {
    code: 'CUBE3006',
    severity: 'error',
    summary: 'A file name is longer than ext4\'s 255 bytes.',
    hint: 'shorten the file name in the image or the build context',
    messages: { long: 'file name "{name}…" is {bytes} bytes' },
  },
  emptySymlink: {
    code: 'CUBE3007',
    severity: 'error',
    summary: 'A symlink has an empty target, which Linux and ext4 cannot represent.',
    hint: 'the image is malformed; remove or fix the symlink in the base image',
    messages: { empty: 'symlink {path} has an empty target' },
  },
} as const satisfies Record<string, CatalogEntry>;
