/**
 * How a command reports while it works: `--log-format`, `--progress` and `-q/--quiet`, turned
 * into one logger, one progress display and one diagnostics reporter that agree with each other
 * and with the terminal conventions (see ../terminal.ts).
 */
import type { Logger, ProgressSink } from '../../core/log.js';
import { silentProgress } from '../../core/log.js';
import { formatDuration } from '../../core/format.js';
import { usageError } from '../args.js';
import type { CommandContext } from '../command.js';
import { createLogger, isLogFormat, LOG_FORMATS } from '../logger.js';
import type { LogFormat } from '../logger.js';
import { createPlainProgress, createTtyProgress, progressToLog } from '../progress.js';
import type { Clock } from '../progress.js';
import { colorEnabled, isProgressOption, progressMode, PROGRESS_OPTIONS } from '../terminal.js';
import { logReporter, reportDiagnostics } from './shared.js';
import type { DiagnosticReporter } from './shared.js';

/** The options, for `parseArgs`. */
export const outputOptions = {
  'log-format': { type: 'string' },
  progress: { type: 'string' },
} as const;

/** The values of {@link outputOptions}, for shell completion. */
export const outputCompletion = { 'log-format': LOG_FORMATS, progress: PROGRESS_OPTIONS } as const;

/** The usage lines of {@link outputOptions}. */
export const outputUsage = `      --log-format F      human (default) or json: every line on stderr a JSON record
                          (record types: docs/logging.md)
      --progress P        auto (default), tty (bars with rate and ETA), plain (a line per task
                          with its duration) or json; auto draws bars only on a terminal outside
                          CI whose TERM is not dumb
`;

/** Everything a command writes its progress and diagnostics through. */
export interface CommandOutput {
  readonly format: LogFormat;
  readonly logger: Logger;
  readonly progress: ProgressSink;
  readonly report: DiagnosticReporter;
}

/**
 * Checks `--log-format` and `--progress` and makes the output for them; `quiet` keeps only
 * warnings and errors (and no progress). Mistakes are usage errors.
 */
export function commandOutput(
  command: string,
  context: CommandContext,
  values: { readonly 'log-format'?: string; readonly progress?: string },
  quiet = false,
): CommandOutput {
  const format = values['log-format'] ?? 'human';
  if (!isLogFormat(format)) throw usageError(command, 'logFormat', { value: format });
  const option = values.progress ?? 'auto';
  if (!isProgressOption(option)) throw usageError(command, 'progress', { value: option });
  const mode = progressMode(option, format, context);
  if (mode === 'conflict') throw usageError(command, 'progressWithJson', { value: option });
  const color = colorEnabled(context);
  const logger = createLogger({ format, stream: context.stderr, color, level: quiet ? 'warn' : 'info' });
  const progress = quiet ? silentProgress : mode === 'json' ? progressToLog(logger) : mode === 'tty' ? createTtyProgress(context.stderr) : createPlainProgress(context.stderr);
  const report: DiagnosticReporter = format === 'json' ? logReporter(logger) : (diagnostics, sources) => reportDiagnostics(context, diagnostics, sources);
  return { format, logger, progress, report };
}

/**
 * Runs one step of a command and logs a `step` record with its duration when it ends, so a
 * CI log shows where the time went (`planned 10 nodes (0.2 s)`).
 */
export async function timedStep<T>(logger: Logger, step: string, work: () => Promise<T>, describe: (result: T) => string, now: Clock = Date.now): Promise<T> {
  const started = now();
  const result = await work();
  const seconds = (now() - started) / 1000;
  logger.info({ event: 'step', step, seconds }, `${describe(result)} (${formatDuration(seconds)})`);
  return result;
}
