/**
 * The one catalog of diagnostic codes. Each stage keeps its codes in its own table (so stages can
 * grow them independently); this module joins them and is what documentation and tests list.
 */
import type { CatalogEntry } from './catalog-entry.js';
import { cliCodes } from './codes-cli.js';
import { parseCodes } from './codes-parse.js';
import { lintCodes } from './codes-lint.js';
import { planCodes } from './codes-plan.js';
import { ext4Codes } from './codes-ext4.js';
import { imageCodes } from './codes-image.js';
import { buildCodes } from './codes-build.js';
import { runCodes } from './codes-run.js';

export type { CatalogEntry, MessageTemplate, MessageValues } from './catalog-entry.js';
export { cliCodes, parseCodes, lintCodes, planCodes, ext4Codes, imageCodes, buildCodes, runCodes };

let sorted: readonly CatalogEntry[] | undefined;
let byCode: ReadonlyMap<string, CatalogEntry> | undefined;

/** Every catalog entry, in code order (computed once: a run may look up thousands of codes). */
export function allCatalogEntries(): CatalogEntry[] {
  sorted ??= joinTables();
  return [...sorted];
}

function joinTables(): CatalogEntry[] {
  const tables: Record<string, CatalogEntry>[] = [
    cliCodes,
    parseCodes,
    lintCodes,
    planCodes,
    ext4Codes,
    imageCodes,
    buildCodes,
    runCodes,
  ];
  return tables.flatMap((table) => Object.values(table)).sort((a, b) => a.code.localeCompare(b.code));
}

/** The entry of a code, or undefined for a code no table has. */
export function catalogEntry(code: string): CatalogEntry | undefined {
  byCode ??= new Map(allCatalogEntries().map((e) => [e.code, e]));
  return byCode.get(code);
}

/** Every entry that is a named check, in code order. */
export function checkRules(): CatalogEntry[] {
  return allCatalogEntries().filter((e) => e.rule !== undefined);
}
