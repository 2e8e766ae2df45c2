/**
 * Progress for long tasks (each layer download, the seal). On a TTY: one redrawn bar per active
 * task with its rate and ETA, replaced by its size, duration and mean rate when it ends. In plain
 * mode (CI logs, `TERM=dumb`, a pipe): a line when a task starts and one with its duration when
 * it finishes. As JSON records: the same two events, for `--log-format json`.
 */
import type { Writable } from 'node:stream';
import { formatBytes, formatDuration, formatRate } from '../core/format.js';
import type { Logger, ProgressSink } from '../core/log.js';

/** Milliseconds since some fixed point; tests give their own clock. */
export type Clock = () => number;

interface Task {
  readonly label: string;
  readonly total: number;
  readonly startedAt: number;
  done: number;
  finishedAt?: number;
}

const BAR_WIDTH = 24;
/** Redraw at most this often: updates arrive per chunk, far faster than anyone can read. */
const REDRAW_MS = 100;

function seconds(task: Task, now: number): number {
  return ((task.finishedAt ?? now) - task.startedAt) / 1000;
}

/** `35.9 MiB in 1.2 s (29.9 MiB/s)`: what a finished task did. */
function summary(task: Task): string {
  const took = seconds(task, task.finishedAt ?? task.startedAt);
  return `${formatBytes(task.total)} in ${formatDuration(took)} (${formatRate(task.total, took)})`;
}

/** The time left at the rate so far, or `--` before there is a rate to go by. */
function eta(task: Task, now: number): string {
  const elapsed = seconds(task, now);
  if (task.done <= 0 || elapsed <= 0) return 'ETA --';
  return `ETA ${formatDuration(((task.total - task.done) * elapsed) / task.done)}`;
}

function barLine(task: Task, now: number): string {
  if (task.finishedAt !== undefined) return `${task.label} done: ${summary(task)}`;
  const fraction = task.total > 0 ? Math.min(1, task.done / task.total) : 0;
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  return `${task.label} ${bar} ${formatBytes(task.done)}/${formatBytes(task.total)}  ${formatRate(task.done, seconds(task, now))}  ${eta(task, now)}`;
}

/** Bars redrawn in place; a finished bar becomes its summary and the block never shifts. */
export function createTtyProgress(stream: Writable, now: Clock = Date.now): ProgressSink {
  const tasks = new Map<string, Task>();
  let drawnLines = 0;
  let lastDraw = -Infinity;
  const redraw = (): void => {
    const at = now();
    lastDraw = at;
    let out = drawnLines > 0 ? `\x1b[${drawnLines}A` : '';
    for (const task of tasks.values()) out += `\x1b[2K${barLine(task, at)}\n`;
    drawnLines = tasks.size;
    stream.write(out);
  };
  return {
    start(id, label, total) {
      tasks.set(id, { label, total, done: 0, startedAt: now() });
      redraw();
    },
    update(id, done) {
      const task = tasks.get(id);
      if (!task) return;
      task.done = done;
      if (now() - lastDraw >= REDRAW_MS) redraw();
    },
    finish(id) {
      const task = tasks.get(id);
      if (!task) return;
      task.done = task.total;
      task.finishedAt = now();
      redraw();
      // Once every bar has finished, the block is left as it is and the next starts below it.
      if ([...tasks.values()].every((t) => t.finishedAt !== undefined)) {
        tasks.clear();
        drawnLines = 0;
      }
    },
  };
}

/** A sink that reports only when a task starts and when it ends, its duration known then. */
function startAndFinish(now: Clock, onStart: (id: string, task: Task) => void, onFinish: (id: string, task: Task & { finishedAt: number }) => void): ProgressSink {
  const tasks = new Map<string, Task>();
  return {
    start(id, label, total) {
      const task: Task = { label, total, done: 0, startedAt: now() };
      tasks.set(id, task);
      onStart(id, task);
    },
    update() {},
    finish(id) {
      const task = tasks.get(id);
      if (!task) return;
      tasks.delete(id);
      onFinish(id, Object.assign(task, { finishedAt: now() }));
    },
  };
}

/** A line when a task starts and one with its duration when it finishes: CI logs show where time went. */
export function createPlainProgress(stream: Writable, now: Clock = Date.now): ProgressSink {
  return startAndFinish(
    now,
    (_id, task) => stream.write(`${task.label}: ${formatBytes(task.total)}\n`),
    (_id, task) => stream.write(`${task.label}: done, ${summary(task)}\n`),
  );
}

/**
 * Progress as `progress` log records: one when a task starts and one when it finishes (with
 * its duration), so every line of a JSON log stays one record.
 */
export function progressToLog(logger: Logger, now: Clock = Date.now): ProgressSink {
  return startAndFinish(
    now,
    (id, task) => logger.info({ event: 'progress', phase: 'start', task: id, label: task.label, bytes: task.total }, `${task.label}: started`),
    (id, task) => {
      const took = seconds(task, task.finishedAt);
      logger.info({ event: 'progress', phase: 'finish', task: id, label: task.label, bytes: task.total, seconds: took }, `${task.label}: done`);
    },
  );
}
