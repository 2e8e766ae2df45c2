/**
 * `ENTRYPOINT wrap`: start envd in the background, then exec the workload with its argv passed
 * as positional parameters, so no byte of it is ever re-parsed by the shell.
 *
 * An empty workload becomes `sleep 2147483647` (about 68 years): both coreutils and busybox
 * accept an integer there, unlike `infinity`, and exec keeps the shell's PID. The build-time
 * check then requires `sleep` in the image, like any other workload executable.
 */
import type { InjectSpec } from '../../core/build-spec.js';

/** `$0` of the wrapper shell, visible in `ps`. */
export const WRAP_ARGV0 = 'cube-wrap';
/** Where envd's output goes inside the sandbox. */
export const ENVD_LOG_PATH = '/var/log/envd.log';
/** The workload used when the effective process is empty. */
export const KEEP_ALIVE_ARGV: readonly string[] = ['sleep', '2147483647'];

/** Quotes one word for POSIX sh: single quotes, with `'` written as `'\''`. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The workload that actually runs: the effective argv, or the keep-alive when it is empty. */
export function workloadArgv(argv: readonly string[]): readonly string[] {
  return argv.length > 0 ? argv : KEEP_ALIVE_ARGV;
}

/**
 * Wraps `argv` so envd (at `inject.imagePath`, the one source of truth) starts beside it.
 * `logPath` exists for tests that run the wrapper on a host.
 */
export function wrapArgv(argv: readonly string[], inject: Pick<InjectSpec, 'imagePath' | 'args'>, logPath = ENVD_LOG_PATH): string[] {
  const envd = [inject.imagePath, ...inject.args].map(shellQuote).join(' ');
  const script = `${envd} >${shellQuote(logPath)} 2>&1 </dev/null & exec "$@"`;
  return ['/bin/sh', '-c', script, WRAP_ARGV0, ...workloadArgv(argv)];
}
