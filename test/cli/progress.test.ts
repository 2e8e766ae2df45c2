import { describe, expect, it } from 'vitest';
import { createPlainProgress, createTtyProgress, progressToLog } from '../../src/cli/progress.js';
import { createLogger } from '../../src/cli/logger.js';
import { manualClock, textSink } from '../helpers/streams.js';

const MIB = 1024 * 1024;

describe('tty progress', () => {
  it('shows rate and ETA while a task runs, and its size, duration and rate when it ends', () => {
    const out = textSink();
    const clock = manualClock();
    const progress = createTtyProgress(out.stream, clock.now);
    progress.start('a', 'layer 1', 40 * MIB);
    expect(out.text()).toContain('layer 1 [........................] 0 B/40.0 MiB  –  ETA --');
    clock.advance(2000);
    progress.update('a', 10 * MIB);
    expect(out.text()).toContain('layer 1 [######..................] 10.0 MiB/40.0 MiB  5.0 MiB/s  ETA 6.0 s');
    clock.advance(6000);
    progress.finish('a');
    expect(out.text().endsWith('\x1b[1A\x1b[2Klayer 1 done: 40.0 MiB in 8.0 s (5.0 MiB/s)\n')).toBe(true);
  });

  it('redraws every bar in place, at most every 100 ms, and keeps the block until all have ended', () => {
    const out = textSink();
    const clock = manualClock();
    const progress = createTtyProgress(out.stream, clock.now);
    progress.start('a', 'layer 1', 100);
    progress.start('b', 'layer 2', 100);
    clock.advance(50);
    progress.update('a', 50);
    expect(out.text()).not.toContain('50 B/100 B');
    clock.advance(50);
    progress.update('a', 60);
    expect(out.text()).toContain('\x1b[2A\x1b[2Klayer 1 [##############..........] 60 B/100 B');
    progress.finish('a');
    expect(out.text()).toMatch(/layer 1 done: 100 B in 100 ms \(1000 B\/s\)\n\x1b\[2Klayer 2 \[\.+\]/);
    progress.finish('b');
    progress.start('c', 'writing rootfs', 100);
    // A new block starts below the finished one: no cursor movement up.
    expect(out.text().endsWith('\x1b[2Kwriting rootfs [........................] 0 B/100 B  –  ETA --\n')).toBe(true);
  });

  it('ignores updates of a task it does not know', () => {
    const out = textSink();
    const progress = createTtyProgress(out.stream, manualClock().now);
    progress.update('nope', 5);
    progress.finish('nope');
    expect(out.text()).toBe('');
  });
});

describe('plain progress', () => {
  it('prints a line at start and one with the duration at finish, never a cursor move', () => {
    const out = textSink();
    const clock = manualClock();
    const progress = createPlainProgress(out.stream, clock.now);
    progress.start('a', 'pull sha256:abc', 3 * MIB);
    progress.update('a', MIB);
    clock.advance(1500);
    progress.finish('a');
    expect(out.text()).toBe('pull sha256:abc: 3.0 MiB\npull sha256:abc: done, 3.0 MiB in 1.5 s (2.0 MiB/s)\n');
  });
});

describe('json progress', () => {
  it('writes a start and a finish record with the duration', async () => {
    const out = textSink();
    const clock = manualClock();
    const progress = progressToLog(createLogger({ format: 'json', stream: out.stream, color: false }), clock.now);
    progress.start('seal', 'writing rootfs', 2048);
    clock.advance(250);
    progress.finish('seal');
    await new Promise((r) => setImmediate(r));
    const records = out.text().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toMatchObject([
      { level: 'info', event: 'progress', phase: 'start', task: 'seal', label: 'writing rootfs', bytes: 2048 },
      { level: 'info', event: 'progress', phase: 'finish', task: 'seal', bytes: 2048, seconds: 0.25, msg: 'writing rootfs: done' },
    ]);
  });
});
