import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress, formatBytes } from '../../src/cli/progress.js';

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  return { stream, text: () => text };
}

describe('progress', () => {
  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50.0 MiB');
  });

  it('prints one line at start and one at finish when not interactive', () => {
    const out = sink();
    const progress = createProgress(out.stream, false);
    progress.start('a', 'pull sha256:abc', 2048);
    progress.update('a', 1024);
    progress.finish('a');
    expect(out.text()).toBe('pull sha256:abc: 2.0 KiB\npull sha256:abc: done\n');
  });

  it('redraws bars in place on a terminal', () => {
    const out = sink();
    const progress = createProgress(out.stream, true);
    progress.start('a', 'layer 1', 100);
    progress.start('b', 'layer 2', 100);
    progress.update('a', 50);
    progress.finish('a');
    progress.finish('b');
    const text = out.text();
    expect(text).toContain('layer 1 [############............] 50 B/100 B');
    expect(text).toContain('\x1b[2A');
    expect(text.endsWith('layer 2 [########################] 100 B/100 B\n')).toBe(true);
  });
});
