import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatRate } from '../../src/core/format.js';

describe('human-readable units', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [50 * 1024 * 1024, '50.0 MiB'],
    [109051904, '104.0 MiB'],
    [3 * 1024 ** 4, '3.0 TiB'],
    [5000 * 1024 ** 4, '5000.0 TiB'],
  ])('%d bytes is %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it.each([
    [0, '0 ms'],
    [0.035, '35 ms'],
    [0.9996, '1.0 s'],
    [12.34, '12.3 s'],
    [59.9, '59.9 s'],
    [59.96, '1m00s'],
    [125, '2m05s'],
    [3725, '1h02m'],
  ])('%d seconds is %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('gives a rate only over a measurable interval', () => {
    expect(formatRate(3 * 1024 * 1024, 2)).toBe('1.5 MiB/s');
    expect(formatRate(100, 0.5)).toBe('200 B/s');
    expect(formatRate(100, 0)).toBe('–');
  });
});
