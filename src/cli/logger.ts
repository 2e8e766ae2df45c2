/**
 * pino, adapted to cube's `Logger`: JSON lines with `--log-format json`, otherwise one readable
 * line per event (colour only where `colorEnabled` allows it). Logs go to stderr; stdout is for
 * results. Every JSON record has a string `level` and an `event` naming its type (the record
 * types are listed in docs/logging.md).
 */
import type { Writable } from 'node:stream';
import { pino } from 'pino';
import { createRequire } from 'node:module';
import type PinoPretty from 'pino-pretty';
import { diagnosticsToJson } from '../core/diagnostics/index.js';
import type { Diagnostic } from '../core/diagnostics/index.js';
import type { Logger } from '../core/log.js';

/** How log lines are printed (`--log-format`). */
export const LOG_FORMATS = ['human', 'json'] as const;

/** A `--log-format` value. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  readonly format: LogFormat;
  readonly stream: Writable;
  readonly color: boolean;
  readonly level?: 'debug' | 'info' | 'warn';
}

/** Creates the process logger. */
export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? 'info';
  if (options.format === 'json') {
    return pino(
      {
        level,
        base: undefined,
        timestamp: pino.stdTimeFunctions.isoTime,
        // Level names, not pino's numbers: a CI script greps for "error", not 50.
        formatters: { level: (label) => ({ level: label }) },
        // A record that names no event is a plain message; the call's own `event` wins.
        mixin: () => ({ event: 'log' }),
      },
      options.stream,
    );
  }
  // Loaded only for human output: JSON logs (CI) do not pay for it.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  const human = pretty({
    destination: options.stream,
    colorize: options.color,
    sync: true,
    ignore: 'pid,hostname,time',
    // People read the message; the structured fields are for --log-format json.
    hideObject: true,
    singleLine: false,
  });
  return pino({ level, base: undefined }, human);
}

/** Whether `value` names a log format. */
export function isLogFormat(value: string): value is LogFormat {
  return (LOG_FORMATS as readonly string[]).includes(value);
}

/**
 * Writes diagnostics as `diagnostic` records: one per diagnostic, at its severity, with the
 * code, position, notes and hint as fields.
 */
export function logDiagnostics(logger: Logger, diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>): void {
  for (const { message, ...fields } of diagnosticsToJson(diagnostics, sources)) {
    const record = { event: 'diagnostic', ...fields };
    if (fields.severity === 'error') logger.error(record, message);
    else logger.warn(record, message);
  }
}

/**
 * The `--log-format` a command line asks for, read before the command parses it, so that an
 * error in the command line itself is reported in that format. Anything but `json` is human.
 */
export function requestedLogFormat(args: readonly string[]): LogFormat {
  // The last one counts, as it does when the options are parsed.
  let format: LogFormat = 'human';
  for (const [i, arg] of args.entries()) {
    if (arg === '--') break;
    const value = arg === '--log-format' ? args[i + 1] : arg.startsWith('--log-format=') ? arg.slice('--log-format='.length) : undefined;
    if (value !== undefined) format = value === 'json' ? 'json' : 'human';
  }
  return format;
}
