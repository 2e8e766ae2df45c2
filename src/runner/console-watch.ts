/**
 * Reading the guest's serial console as it streams: the init's `cube-init:` lines (a step
 * failed, the process started, the process exited) and the kernel's panic line become events,
 * and the last lines are kept for the failure report.
 */
import { INIT_MARK, INIT_STEPS } from './init-script.js';
import type { InitStep } from './init-script.js';

/** Something the console said that changes the run. */
export type ConsoleEvent =
  | { readonly kind: 'step-failed'; readonly step: InitStep; readonly message: string }
  | { readonly kind: 'started' }
  | { readonly kind: 'exited'; readonly status: number }
  | { readonly kind: 'panic'; readonly line: string };

const TAIL_LINES = 40;
/** ANSI escapes and carriage returns that firmware and the kernel write to a serial line. */
const NOISE = /\x1b\[[0-9;?]*[A-Za-z]|\x1bc|\r/g;

/** Turns one console line into an event, if it is one. */
export function consoleEvent(line: string): ConsoleEvent | undefined {
  const panic = /Kernel panic - not syncing:.*/.exec(line);
  if (panic) return { kind: 'panic', line: panic[0] };
  const at = line.indexOf(INIT_MARK);
  if (at === -1) return undefined;
  const rest = line.slice(at + INIT_MARK.length).trim();
  if (rest === 'started the process') return { kind: 'started' };
  const exited = /^the process exited with status (\d+)$/.exec(rest);
  if (exited) return { kind: 'exited', status: Number(exited[1]) };
  const failed = /^failed: ([a-z]+): (.*)$/.exec(rest);
  const step = INIT_STEPS.find((s) => s === failed?.[1]);
  if (failed && step !== undefined) return { kind: 'step-failed', step, message: failed[2] as string };
  return undefined;
}

/** Splits the stream into lines, reports events, keeps the tail. */
export class ConsoleWatch {
  private partial = '';
  private readonly lines: string[] = [];

  constructor(private readonly onEvent: (event: ConsoleEvent) => void) {}

  /** Feeds a chunk of console output. */
  feed(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const raw of parts) this.line(raw.replace(NOISE, ''));
  }

  /** The last lines, the unfinished one included. */
  tail(): string[] {
    const partial = this.partial.replace(NOISE, '');
    return partial === '' ? [...this.lines] : [...this.lines, partial].slice(-TAIL_LINES);
  }

  private line(text: string): void {
    this.lines.push(text);
    if (this.lines.length > TAIL_LINES) this.lines.shift();
    const event = consoleEvent(text);
    if (event !== undefined) this.onEvent(event);
  }
}
