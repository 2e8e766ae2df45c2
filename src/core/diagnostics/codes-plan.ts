/** Diagnostic codes for planning. Codes are stable: never renumber or reuse one. */
import type { CatalogEntry } from './catalog-entry.js';

/** The planning codes. */
export const planCodes = {
} as const satisfies Record<string, CatalogEntry>;
