/**
 * The logging interface stages write to. The CLI backs it with pino; stages depend only on this
 * shape, so they can be run (and tested) with any sink. Messages say what actually happened.
 */

/** Structured fields attached to a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/** A structured logger: a message plus fields, at one of four levels. */
export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  /** For the CLI reporting a failure as a log record; stages throw diagnostics instead. */
  error(fields: LogFields, message: string): void;
}

/** Progress of one long task (a blob download, sealing), for bars on a TTY and lines in CI. */
export interface ProgressSink {
  start(id: string, label: string, total: number): void;
  update(id: string, done: number): void;
  finish(id: string): void;
}

/** A logger that drops everything, for library callers that do not want logs. */
export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** A progress sink that drops everything. */
export const silentProgress: ProgressSink = { start: () => {}, update: () => {}, finish: () => {} };
