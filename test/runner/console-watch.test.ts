/** The console lines that end or advance a run, and the tail kept for the failure report. */
import { describe, expect, it } from 'vitest';
import { ConsoleWatch, consoleEvent } from '../../src/runner/console-watch.js';
import type { ConsoleEvent } from '../../src/runner/console-watch.js';

describe('consoleEvent', () => {
  it.each([
    ['cube-init: started the process', { kind: 'started' }],
    ['cube-init: the process exited with status 3', { kind: 'exited', status: 3 }],
    ['cube-init: failed: rootfs: cannot mount /dev/pmem0 (ext4, ro,dax=always)', { kind: 'step-failed', step: 'rootfs', message: 'cannot mount /dev/pmem0 (ext4, ro,dax=always)' }],
    ['[    2.1] Kernel panic - not syncing: VFS: Unable to mount root fs', { kind: 'panic', line: 'Kernel panic - not syncing: VFS: Unable to mount root fs' }],
    ['cube-init: failed: elsewhere: not a step', undefined],
    ['an ordinary line from the workload', undefined],
  ] as const)('%s', (line, event) => {
    expect(consoleEvent(line)).toEqual(event);
  });
});

describe('ConsoleWatch', () => {
  it('joins lines split across chunks, strips escapes and carriage returns, keeps the last 40 lines', () => {
    const events: ConsoleEvent[] = [];
    const watch = new ConsoleWatch((e) => events.push(e));
    watch.feed('\x1b[2Jboot\r\ncube-init: sta');
    watch.feed('rted the process\r\n');
    for (let i = 0; i < 50; i++) watch.feed(`line ${i}\n`);
    watch.feed('partial');
    expect(events).toEqual([{ kind: 'started' }]);
    const tail = watch.tail();
    expect(tail).toHaveLength(40);
    expect(tail.at(-1)).toBe('partial');
    expect(tail[0]).toBe('line 11');
  });
});
