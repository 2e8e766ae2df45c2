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
    messages: { component: '{subject} has a name of {bytes} bytes ("{name}…"), longer than ext4\'s {max}' },
  },
  emptySymlink: {
    code: 'CUBE3007',
    severity: 'error',
    summary: 'A symlink has an empty target, which Linux and ext4 cannot represent.',
    hint: 'the image is malformed; remove or fix the symlink in the base image',
    messages: { empty: '{subject} is a symlink with an empty target' },
  },
  nameHasNul: {
    code: 'CUBE3008',
    severity: 'error',
    summary: 'A name or a link target holds a NUL byte, which no Linux file name or symlink can.',
    hint: 'the image is malformed or hostile (a pax path record with a NUL); rebuild it with a standard tool or pick another base image',
    messages: { name: '{subject} has a NUL byte in its name', target: '{subject} has a NUL byte in its symlink target' },
  },
  symlinkTooLong: {
    code: 'CUBE3009',
    severity: 'error',
    summary: 'A symlink target is 4096 bytes or longer; Linux and ext4 hold at most 4095.',
    hint: 'the image is malformed; shorten the symlink target in the base image',
    messages: { long: '{subject} is a symlink whose target is {bytes} bytes, longer than {max}' },
  },
  fileTooLarge: {
    code: 'CUBE3010',
    severity: 'error',
    summary: 'A file is larger than ext4\'s largest file (16 TiB less 4 KiB), as a sparse file\'s size can claim.',
    hint: 'the image is malformed or hostile; remove the file from the base image',
    messages: { large: '{subject} is {size} bytes, larger than ext4\'s largest file ({max})' },
  },
  deviceNumber: {
    code: 'CUBE3011',
    severity: 'error',
    summary: 'A device node\'s major number is above 4095 or its minor above 1048575, more than Linux\'s device numbers hold.',
    hint: 'the image is malformed; fix or remove the device node in the base image',
    messages: { range: '{subject} is device {major}:{minor}; Linux device numbers go to {maxMajor}:{maxMinor}' },
  },
  timeOutOfRange: {
    code: 'CUBE3012',
    severity: 'error',
    summary: 'A timestamp lies outside what ext4 holds and e2fsck accepts (1901-12-13T20:45:52Z to 2310-04-04T16:10:39Z).',
    hint: 'the image is malformed; set the file\'s time within the range (or rebuild the image with SOURCE_DATE_EPOCH)',
    messages: { range: '{subject} has {field} {sec} s from 1970, outside {earliest}..{latest}' },
  },
} as const satisfies Record<string, CatalogEntry>;
