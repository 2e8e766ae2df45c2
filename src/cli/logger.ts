/**
 * pino, adapted to cube's `Logger`: JSON lines with `--log-format json`, otherwise one readable
 * line per event (colour on a TTY, plain in CI). Logs go to stderr; stdout is for results.
 */
import type { Writable } from 'node:stream';
import { pino } from 'pino';
import { createRequire } from 'node:module';
import type PinoPretty from 'pino-pretty';
import type { Logger } from '../core/log.js';

/** How log lines are printed. */
export type LogFormat = 'human' | 'json';

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
    return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, options.stream);
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
  return value === 'human' || value === 'json';
}
