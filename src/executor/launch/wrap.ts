/**
 * `ENTRYPOINT wrap`: start envd in the background, then exec the workload with its argv passed
 * as positional parameters, so no byte of it is ever re-parsed by the shell. The wrapper runs
 * as root, so envd does (it starts processes as other users and manages cgroups); a workload
 * that runs as another user is exec'd through exec-as, which switches to it first.
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
 * envd's command line, with the flags envd itself defines: `-port` from PORT (so the port envd
 * listens on and the readiness probe's are one value), `-isnotfc` unless the sandbox runs in
 * Firecracker, then the author's ARGS. `imagePath` is the one source of truth for envd's path.
 */
export function envdArgv(inject: Pick<InjectSpec, 'imagePath' | 'port' | 'args' | 'firecracker'>): string[] {
  return [inject.imagePath, '-port', String(inject.port), ...(inject.firecracker ? [] : ['-isnotfc']), ...inject.args];
}

/**
 * The wrapper: `/bin/sh -c '<envd…> >LOG 2>&1 </dev/null & exec "$@"' cube-wrap <workload…>`.
 * `logPath` exists for tests that run the wrapper on a host.
 */
export function wrapArgv(envd: readonly string[], workload: readonly string[], logPath = ENVD_LOG_PATH): string[] {
  const script = `${envd.map(shellQuote).join(' ')} >${shellQuote(logPath)} 2>&1 </dev/null & exec "$@"`;
  return ['/bin/sh', '-c', script, WRAP_ARGV0, ...workload];
}
