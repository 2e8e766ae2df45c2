/** The shape of a catalog entry; each stage's code table is a record of these. */
import type { Severity } from './diagnostic.js';

/** One stable diagnostic code: `CUBE0xxx` command line, `1xxx` parse (`12xx` checks), `2xxx` plan, `3xxx` build, `4xxx` a build's output (run, inspect). */
export interface CatalogEntry {
  readonly code: `CUBE${number}`;
  readonly severity: Severity;
  /** One line saying what the code means, for the documentation. */
  readonly summary: string;
  /** The default fix hint, used when the diagnostic gives none of its own. */
  readonly hint?: string;
  /**
   * The name of the check, for codes that are style or safety checks rather than hard errors
   * (`JSONArgsRecommended`): `# check=skip=NAME`, `--skip NAME` and `--strict` act on these only.
   */
  readonly rule?: string;
}
