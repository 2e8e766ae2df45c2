/** Runs `main` in-process with captured output, for CLI tests. */
import { main } from '../../src/cli/main.js';
import { textSink } from './streams.js';

/** What a CLI run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `cube ...args` in `cwd` (stderr a terminal when `interactive`) and captures stdout, stderr and the exit code. */
export async function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; interactive?: boolean } = {},
): Promise<CliRun> {
  const stdout = textSink();
  const stderr = textSink();
  const code = await main(args, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? {},
    interactive: options.interactive ?? false,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
