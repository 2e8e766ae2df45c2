/**
 * What the terminal can take, from the conventions CI systems and users set: `NO_COLOR`
 * (no-color.org), `FORCE_COLOR` (as Node and chalk read it), `TERM=dumb`, `CI`, and whether
 * stderr is a TTY. One place decides, so the logger, the diagnostics renderer and the progress
 * display never disagree.
 */
import type { LogFormat } from './logger.js';

/** The process surroundings the decision reads. */
export interface TerminalFacts {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stderr is a terminal. */
  readonly interactive: boolean;
}

/** How progress is shown: redrawn bars, plain lines, or JSON records. */
export type ProgressMode = 'tty' | 'plain' | 'json';

/** The `--progress` values: a mode, or `auto` to pick one from the terminal. */
export const PROGRESS_OPTIONS = ['auto', 'tty', 'plain', 'json'] as const satisfies readonly ('auto' | ProgressMode)[];

/** A `--progress` value. */
export type ProgressOption = (typeof PROGRESS_OPTIONS)[number];

/** Whether `value` is a `--progress` value. */
export function isProgressOption(value: string): value is ProgressOption {
  return (PROGRESS_OPTIONS as readonly string[]).includes(value);
}

function isSet(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

/** Whether a CI system runs us: `CI` set to anything but empty, `0` or `false`. */
export function runsInCi(env: TerminalFacts['env']): boolean {
  return isSet(env.CI) && env.CI !== '0' && env.CI.toLowerCase() !== 'false';
}

/**
 * Whether to print colour. `FORCE_COLOR` wins when set (`0` or `false` turn colour off), as in
 * Node itself; then `NO_COLOR` (any non-empty value) and `TERM=dumb` turn it off; otherwise
 * colour goes to a TTY only.
 */
export function colorEnabled(facts: TerminalFacts): boolean {
  const force = facts.env.FORCE_COLOR;
  if (isSet(force)) return force !== '0' && force.toLowerCase() !== 'false';
  if (isSet(facts.env.NO_COLOR)) return false;
  if (facts.env.TERM === 'dumb') return false;
  return facts.interactive;
}

/**
 * The progress display for `--progress option`. `auto` draws bars only on a TTY whose terminal
 * can move the cursor (`TERM` not `dumb`) outside CI; JSON logs get JSON progress. An explicit
 * mode is taken as given, except that JSON logs take only JSON progress (every line stays JSON).
 */
export function progressMode(option: ProgressOption, logFormat: LogFormat, facts: TerminalFacts): ProgressMode | 'conflict' {
  if (logFormat === 'json') return option === 'auto' || option === 'json' ? 'json' : 'conflict';
  if (option !== 'auto') return option;
  return facts.interactive && facts.env.TERM !== 'dumb' && !runsInCi(facts.env) ? 'tty' : 'plain';
}
