/**
 * SOURCE_DATE_EPOCH (reproducible-builds.org): the time stamped on everything cube creates. Set
 * but malformed is an error, as the specification asks, not a silent fall back to 0.
 */
import { createDiagnostic, DiagnosticError } from './diagnostics/index.js';
import { cliCodes } from './diagnostics/codes-cli.js';
import { LATEST_TIME } from './tree-writer.js';

/** The latest time an image can hold (2310-04-04, see LATEST_TIME). */
const MAX_EPOCH = LATEST_TIME;

/** The build's timestamp in seconds: SOURCE_DATE_EPOCH when set, else 0. */
export function sourceDateEpoch(env: Readonly<Record<string, string | undefined>>): number {
  const value = env.SOURCE_DATE_EPOCH;
  if (value === undefined || value === '') return 0;
  if (/^\d+$/.test(value) && Number(value) <= MAX_EPOCH) return Number(value);
  throw new DiagnosticError(createDiagnostic(cliCodes.badSourceDateEpoch, 'notSeconds', { value, most: MAX_EPOCH }));
}
