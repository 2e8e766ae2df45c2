/** Diagnostic codes for Cubefile and cube.yaml parsing. Codes are stable: never renumber or reuse one. */
import type { CatalogEntry } from './catalog-entry.js';

/** The Cubefile and cube.yaml parsing codes. */
export const parseCodes = {
} as const satisfies Record<string, CatalogEntry>;
