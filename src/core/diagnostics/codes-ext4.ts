/** Diagnostic codes for ext4 sealing (CUBE30xx). Codes are stable: never renumber or reuse one. */
import type { CatalogEntry } from './catalog-entry.js';

/** The ext4 sealing (CUBE30xx) codes. */
export const ext4Codes = {
  tooSmall: { code: 'CUBE3001', severity: 'error', summary: 'The content does not fit in the fixed SEAL SIZE.', hint: 'raise SEAL ext4 SIZE to at least the size quoted, or use FREE n to size the image from its content' },
  parentNotDirectory: { code: 'CUBE3002', severity: 'error', summary: 'An entry lies below a path that is not a directory.', hint: 'the layers or COPY steps put a file where a directory is expected; fix the image or the COPY destination' },
  xattrTooLarge: { code: 'CUBE3003', severity: 'error', summary: 'A file\'s extended attributes do not fit in one ext4 block.', hint: 'reduce the extended attributes on that file in the base image' },
  tooLarge: { code: 'CUBE3005', severity: 'error', summary: 'The filesystem would exceed what the writer supports (16 TiB, 2^32 inodes).', hint: 'split the content, or use a smaller base image' },
  nameTooLong: { code: 'CUBE3006', severity: 'error', summary: 'A file name is longer than ext4\'s 255 bytes.', hint: 'shorten the file name in the image or the build context' },
  emptySymlink: { code: 'CUBE3007', severity: 'error', summary: 'A symlink has an empty target, which Linux and ext4 cannot represent.', hint: 'the image is malformed; remove or fix the symlink in the base image' },
  nameHasNul: { code: 'CUBE3008', severity: 'error', summary: 'A name or a link target holds a NUL byte, which no Linux file name or symlink can.', hint: 'the image is malformed or hostile (a pax path record with a NUL); rebuild it with a standard tool or pick another base image' },
  symlinkTooLong: { code: 'CUBE3009', severity: 'error', summary: 'A symlink target is 4096 bytes or longer; Linux and ext4 hold at most 4095.', hint: 'the image is malformed; shorten the symlink target in the base image' },
  fileTooLarge: { code: 'CUBE3010', severity: 'error', summary: 'A file is larger than ext4\'s largest file (16 TiB less 4 KiB), as a sparse file\'s size can claim.', hint: 'the image is malformed or hostile; remove the file from the base image' },
  deviceNumber: { code: 'CUBE3011', severity: 'error', summary: 'A device node\'s major number is above 4095 or its minor above 1048575, more than Linux\'s device numbers hold.', hint: 'the image is malformed; fix or remove the device node in the base image' },
  timeOutOfRange: { code: 'CUBE3012', severity: 'error', summary: 'A timestamp lies outside what ext4 holds and e2fsck accepts (1901-12-13T20:45:52Z to 2310-04-04T16:10:39Z).', hint: 'the image is malformed; set the file\'s time within the range (or rebuild the image with SOURCE_DATE_EPOCH)' },
} as const satisfies Record<string, CatalogEntry>;
