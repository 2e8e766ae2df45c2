/**
 * Progress for long tasks. On a TTY: one redrawn bar per active task. Elsewhere (CI): a plain line
 * when a task starts and when it finishes, so logs stay readable and short.
 */
import type { Writable } from 'node:stream';
import type { Logger, ProgressSink } from '../core/log.js';

interface Task {
  readonly label: string;
  readonly total: number;
  done: number;
}

const BAR_WIDTH = 24;

/** Formats a byte count as people read it (`12.3 MiB`). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Creates a progress sink writing to `stream`; bars when `interactive`, lines otherwise. */
export function createProgress(stream: Writable, interactive: boolean): ProgressSink {
  const tasks = new Map<string, Task>();
  let drawnLines = 0;
  let lastDraw = 0;

  const redraw = (): void => {
    let out = drawnLines > 0 ? `\x1b[${drawnLines}A` : '';
    for (const task of tasks.values()) {
      const fraction = task.total > 0 ? Math.min(1, task.done / task.total) : 0;
      const filled = Math.round(fraction * BAR_WIDTH);
      out += `\x1b[2K${task.label} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${formatBytes(task.done)}/${formatBytes(task.total)}\n`;
    }
    drawnLines = tasks.size;
    stream.write(out);
  };

  return {
    start(id, label, total) {
      tasks.set(id, { label, total, done: 0 });
      if (interactive) redraw();
      else stream.write(`${label}: ${formatBytes(total)}\n`);
    },
    update(id, done) {
      const task = tasks.get(id);
      if (!task) return;
      task.done = done;
      // Redraw at most every 100 ms: updates arrive per chunk, far faster than anyone can read.
      const now = Date.now();
      if (interactive && now - lastDraw >= 100) {
        lastDraw = now;
        redraw();
      }
    },
    finish(id) {
      const task = tasks.get(id);
      if (!task) return;
      task.done = task.total;
      if (!interactive) {
        stream.write(`${task.label}: done\n`);
        tasks.delete(id);
        return;
      }
      redraw();
      // Finished bars stay in place until every bar is finished, so the block never shifts.
      if ([...tasks.values()].every((t) => t.done >= t.total)) {
        tasks.clear();
        drawnLines = 0;
      }
    },
  };
}

/**
 * Progress as log records, for `--log-format json`: a record when a task starts and one when it
 * finishes, so every line of the log stays JSON.
 */
export function progressToLog(logger: Logger): ProgressSink {
  const totals = new Map<string, { label: string; total: number }>();
  return {
    start(id, label, total) {
      totals.set(id, { label, total });
      logger.info({ task: id, bytes: total }, `${label}: started`);
    },
    update() {},
    finish(id) {
      const task = totals.get(id);
      if (!task) return;
      totals.delete(id);
      logger.info({ task: id, bytes: task.total }, `${task.label}: done`);
    },
  };
}
