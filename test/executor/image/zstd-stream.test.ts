/**
 * zstd decompression pulled by its reader: what zstd itself writes (levels, several frames,
 * checksums, skippable frames, long windows) decompresses byte for byte; a 64 KB run-length bomb
 * that expands to 2 GiB yields only what is read (plus a block and the buffer), and a frame
 * asking for a window over 128 MiB is refused before anything is allocated for it.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../src/core/diagnostics/index.js';
import { sha256Digest } from '../../../src/core/digest.js';
import { MAX_ZSTD_WINDOW, zstdDecompressor } from '../../../src/executor/image/zstd-stream.js';

const LAYER = sha256Digest('layer');
const BLOCK = 128 * 1024;

/** A zstd frame of `blocks` run-length blocks of 128 KiB each, without a content size: 4 bytes per 128 KiB. */
function rleBomb(blocks: number, windowDescriptor = 0x38): Buffer {
  const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, windowDescriptor]);
  const block = (last: boolean): Buffer => {
    const word = (BLOCK << 3) | (1 << 1) | (last ? 1 : 0);
    return Buffer.from([word & 0xff, (word >> 8) & 0xff, (word >> 16) & 0xff, 0x41]);
  };
  return Buffer.concat([header, ...Array.from({ length: blocks }, (_, i) => block(i === blocks - 1))]);
}

async function decompress(input: Buffer, chunk = 4096): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunk) parts.push(input.subarray(i, i + chunk));
  const out: Buffer[] = [];
  for await (const piece of Readable.from(parts).pipe(zstdDecompressor(LAYER))) out.push(piece as Buffer);
  return Buffer.concat(out);
}

async function zstd(data: Buffer, args: string[]): Promise<Buffer> {
  return Buffer.from((await execa('zstd', ['-c', ...args], { input: data, encoding: 'buffer' })).stdout);
}

describe('zstd decompression', () => {
  const data = Buffer.concat([Buffer.from('head '), Buffer.alloc(300_000, 7), createHash('sha512').update('x').digest(), Buffer.from('tail '.repeat(50_000))]);

  it.each([['-1'], ['-19'], ['-3', '--no-check'], ['--long=27', '-3']])('decompresses what zstd %s writes, in any chunking', async (...args) => {
    const compressed = await zstd(data, args);
    expect(sha256Digest(await decompress(compressed))).toBe(sha256Digest(data));
    expect(sha256Digest(await decompress(compressed, 61))).toBe(sha256Digest(data));
  });

  it('decompresses several frames and skips skippable ones', async () => {
    const skippable = Buffer.concat([Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0]), Buffer.from('abc')]);
    const input = Buffer.concat([await zstd(data.subarray(0, 1000), ['-3']), skippable, await zstd(data.subarray(1000), ['-3'])]);
    expect(sha256Digest(await decompress(input, 777))).toBe(sha256Digest(data));
  });

  it('yields a 2 GiB run-length bomb only as fast as it is read', async () => {
    const bomb = rleBomb(16_384);
    expect(bomb.length).toBeLessThan(66_000);
    const stream = zstdDecompressor(LAYER);
    stream.end(bomb);
    let read = 0;
    let mostBuffered = 0;
    for await (const piece of stream) {
      read += (piece as Buffer).length;
      mostBuffered = Math.max(mostBuffered, stream.readableLength);
      if (read >= 32 * BLOCK) break;
    }
    stream.destroy();
    // Without backpressure the whole 2 GiB would have been decoded into the buffer at once.
    expect(mostBuffered).toBeLessThanOrEqual(stream.readableHighWaterMark + 8 * BLOCK);
    expect(read).toBeLessThan(40 * BLOCK);
  });

  it('refuses a window over 128 MiB before decoding', async () => {
    // Window descriptor 0x90: 2^(10 + 18) = 256 MiB.
    const error = await decompress(rleBomb(2, 0x90)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiagnosticError);
    expect((error as DiagnosticError).diagnostics[0]).toMatchObject({ code: 'CUBE3113', message: `layer ${LAYER} is zstd with a window of ${2 * MAX_ZSTD_WINDOW} bytes, over the ${MAX_ZSTD_WINDOW} bytes cube decompresses` });
    // 0x88: exactly 128 MiB is accepted.
    expect((await decompress(rleBomb(2, 0x88))).length).toBe(2 * BLOCK);
  });

  it('fails on bytes that are not zstd', async () => {
    await expect(decompress(Buffer.from('not zstd at all'))).rejects.toThrow(/not a zstd frame/);
  });
});
