/**
 * SOURCE_DATE_EPOCH (reproducible-builds.org): the time stamped on everything cube creates. Set
 * but malformed is an error, as the specification asks, not a silent fall back to 0.
 */
import { createDiagnostic, DiagnosticError } from './diagnostics/index.js';
import { cliCodes } from './diagnostics/codes-cli.js';

/** The latest time ext4 can store (34-bit seconds, the year 2446). */
const MAX_EPOCH = 2 ** 34 - 1;

/** The build's timestamp in seconds: SOURCE_DATE_EPOCH when set, else 0. */
export function sourceDateEpoch(env: Readonly<Record<string, string | undefined>>): number {
  const value = env.SOURCE_DATE_EPOCH;
  if (value === undefined || value === '') return 0;
  if (/^\d+$/.test(value) && Number(value) <= MAX_EPOCH) return Number(value);
  throw new DiagnosticError(createDiagnostic(cliCodes.badSourceDateEpoch, 'notSeconds', { value, most: MAX_EPOCH }));
}
