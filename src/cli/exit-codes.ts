/** Process exit codes, documented in the README. */
export const ExitCode = {
  /** The command did what was asked (warnings may have been printed). */
  ok: 0,
  /** The input has errors: diagnostics were printed. */
  userError: 1,
  /** The command line itself could not be understood. */
  usage: 2,
  /** The environment failed the build: a registry, the network, the disk. */
  failure: 3,
  /** A bug in cube: an unexpected exception. */
  internal: 70,
} as const;

/** One of the documented exit codes. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
