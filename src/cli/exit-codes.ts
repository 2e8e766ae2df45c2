/** Process exit codes, documented in the README. */
export const ExitCode = {
  /** The command did what was asked (warnings may have been printed). */
  ok: 0,
  /** The input has errors: diagnostics were printed. */
  userError: 1,
  /** `cube diff --exit-code`: the plans differ (as `git diff --exit-code`). */
  differs: 1,
  /** The command line itself could not be understood. */
  usage: 2,
  /** The environment failed the build: a registry, the network, the disk. */
  failure: 3,
  /** `cube run` was interrupted (Ctrl-C) before the sandbox was ready. */
  interrupted: 130,
  /** A bug in cube: an unexpected exception. */
  internal: 70,
} as const;

/** One of the documented exit codes. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The exit code for a run that ended in these diagnostics: a bad command line is `usage`; a
 * registry, network or disk problem (image codes CUBE31xx, output/cache writes) or a machine that
 * cannot boot the artifact (CUBE41xx) is `failure`;
 * anything else is a mistake in the input, `userError`.
 */
export function exitCodeFor(diagnostics: readonly { readonly code: string }[]): ExitCode {
  if (diagnostics.some((d) => d.code === 'CUBE0001')) return ExitCode.usage;
  // A tag or repository that does not exist is a mistake in the input, not an outage.
  if (diagnostics.every((d) => d.code === 'CUBE3102' || d.code === 'CUBE3112')) return ExitCode.userError;
  // CUBE41xx: this machine cannot boot the artifact (qemu, kernel, busybox, the VM itself).
  if (diagnostics.some((d) => /^CUBE31\d\d$/.test(d.code) || /^CUBE41\d\d$/.test(d.code) || d.code === 'CUBE3230' || d.code === 'CUBE0004')) return ExitCode.failure;
  return ExitCode.userError;
}
