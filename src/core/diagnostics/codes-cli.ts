/** Diagnostic codes for the command line (CUBE0xxx). Codes are stable: never renumber or reuse one. */
import type { CatalogEntry } from './catalog-entry.js';

/** The command-line codes. */
export const cliCodes = {
  usage: {
    code: 'CUBE0001',
    severity: 'error',
    summary: 'The command line could not be understood.',
    hint: 'run `cube --help` for the commands and their options',
  },
  noBuildFile: {
    code: 'CUBE0002',
    severity: 'error',
    summary: 'No Cubefile or cube.yaml was given or found.',
    hint: 'pass one with -f FILE, or run cube in a directory that holds a Cubefile or cube.yaml',
  },
  unreadableFile: {
    code: 'CUBE0003',
    severity: 'error',
    summary: 'A file named on the command line could not be read.',
  },
  writeFailed: {
    code: 'CUBE0004',
    severity: 'error',
    summary: 'An output file could not be written.',
  },
  convertChangesMeaning: {
    code: 'CUBE0006',
    severity: 'error',
    summary: 'cube convert cannot write the file in the other syntax without changing what it builds.',
    hint: 'cube.yaml declares every ARG before everything else: declare each ARG before its first use, then convert again',
  },
  badSourceDateEpoch: {
    code: 'CUBE0005',
    severity: 'error',
    summary: 'SOURCE_DATE_EPOCH is set but is not a number of seconds.',
    hint: 'set it to a Unix time in seconds (for example `git log -1 --format=%ct`), or unset it',
  },
} as const satisfies Record<string, CatalogEntry>;
