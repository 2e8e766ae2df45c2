/**
 * The one catalog of diagnostic codes. Each stage keeps its codes in its own table (so stages can
 * grow them independently); this module joins them and is what documentation and tests list.
 */
import type { CatalogEntry } from './catalog-entry.js';
import { cliCodes } from './codes-cli.js';
import { parseCodes } from './codes-parse.js';
import { planCodes } from './codes-plan.js';
import { ext4Codes } from './codes-ext4.js';
import { imageCodes } from './codes-image.js';
import { buildCodes } from './codes-build.js';
import { runCodes } from './codes-run.js';

export type { CatalogEntry } from './catalog-entry.js';
export { cliCodes, parseCodes, planCodes, ext4Codes, imageCodes, buildCodes, runCodes };

/** Every catalog entry, in code order. */
export function allCatalogEntries(): CatalogEntry[] {
  const tables: Record<string, CatalogEntry>[] = [
    cliCodes,
    parseCodes,
    planCodes,
    ext4Codes,
    imageCodes,
    buildCodes,
    runCodes,
  ];
  return tables.flatMap((table) => Object.values(table)).sort((a, b) => a.code.localeCompare(b.code));
}
