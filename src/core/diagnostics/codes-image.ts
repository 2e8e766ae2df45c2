/** Diagnostic codes for image sources (CUBE31xx). Codes are stable: never renumber or reuse one. */
import type { CatalogEntry } from './catalog-entry.js';

/** The image sources (CUBE31xx) codes. */
export const imageCodes = {
} as const satisfies Record<string, CatalogEntry>;
