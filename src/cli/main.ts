/**
 * The `cube` command: picks the subcommand, runs it, and turns every outcome into an exit code.
 * User errors arrive as diagnostics and are printed without a stack trace, as text or, when the
 * command line asks for `--log-format json`, as JSON records like every other line on stderr;
 * only an unexpected exception (a bug) is reported as internal.
 */
import { commands } from './commands/index.js';
import type { CommandContext } from './command.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { quickAnswer } from './help.js';
import { createLogger, logDiagnostics, requestedLogFormat } from './logger.js';
import { colorEnabled } from './terminal.js';
import { CUBE_VERSION } from '../core/version.js';
import { createDiagnostic, DiagnosticError, renderDiagnostics } from '../core/diagnostics/index.js';
import type { Diagnostic } from '../core/diagnostics/index.js';
import { buildCodes } from '../core/diagnostics/codes-build.js';
import { cliCodes } from '../core/diagnostics/codes-cli.js';
import { closest } from '../core/suggest.js';

/**
 * A disk that is full, over quota or read-only is the machine's problem, not a bug: it ends in a
 * diagnostic (exit 3) wherever the write happened. Cleanup on the way out already removed what
 * the failed write left.
 */
function diskFull(error: unknown): Diagnostic | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT' && code !== 'EROFS') return undefined;
  const message = code === 'EROFS' ? 'readOnly' : code === 'EDQUOT' ? 'quota' : 'diskFull';
  return createDiagnostic(buildCodes.outputNotWritable, message, { problem: (error as Error).message });
}

/** Runs `cube` with `args` (without the node and script paths) and returns the exit code. */
export async function main(args: readonly string[], context: CommandContext = processContext()): Promise<ExitCode> {
  const quick = quickAnswer(args);
  if (quick) {
    context.stdout.write(quick.text);
    return quick.code;
  }
  const [first = '', ...rest] = args;
  try {
    const entry = commands.find((c) => c.name === (first === 'help' ? rest[0] : first));
    if (!entry) throw unknownCommand(first === 'help' ? (rest[0] ?? '') : first);
    const command = await entry.load();
    if (first === 'help' || rest.includes('-h') || rest.includes('--help')) {
      context.stdout.write(command.usage);
      return ExitCode.ok;
    }
    return await command.run(rest, context);
  } catch (error) {
    return report(error, context, requestedLogFormat(args) === 'json');
  }
}

function unknownCommand(name: string): DiagnosticError {
  const near = closest(name, commands.map((c) => c.name));
  return new DiagnosticError(createDiagnostic(cliCodes.usage, 'unknownCommand', { name }, near ? { suggestion: near } : {}));
}

/** Prints what ended the command (as text or a JSON record) and gives its exit code. */
function report(thrown: unknown, context: CommandContext, json: boolean): ExitCode {
  const full = diskFull(thrown);
  const error = full ? new DiagnosticError(full) : thrown;
  const logger = json ? createLogger({ format: 'json', stream: context.stderr, color: false }) : undefined;
  if (error instanceof DiagnosticError) {
    if (logger) logDiagnostics(logger, error.diagnostics, error.sources);
    else context.stderr.write(renderDiagnostics(error.diagnostics, error.sources, { color: colorEnabled(context) }));
    return exitCodeFor(error.diagnostics);
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  const message = `internal error (this is a bug in cube ${CUBE_VERSION})`;
  if (logger) logger.error({ event: 'internal-error', detail }, message);
  else context.stderr.write(`cube: ${message}:\n${detail}\n`);
  return ExitCode.internal;
}

function processContext(): CommandContext {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
    interactive: Boolean(process.stderr.isTTY),
  };
}
