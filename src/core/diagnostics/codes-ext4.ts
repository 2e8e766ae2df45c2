/** Diagnostic codes for ext4 sealing (CUBE30xx). Codes are stable: never renumber or reuse one. */
import type { CatalogEntry } from './catalog-entry.js';

/** The ext4 sealing (CUBE30xx) codes. */
export const ext4Codes = {
} as const satisfies Record<string, CatalogEntry>;
