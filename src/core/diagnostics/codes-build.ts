/** Diagnostic codes for build execution (CUBE32xx and up). Codes are stable: never renumber or reuse one. */
import type { CatalogEntry } from './catalog-entry.js';

/** The build execution (CUBE32xx and up) codes. */
export const buildCodes = {
} as const satisfies Record<string, CatalogEntry>;
