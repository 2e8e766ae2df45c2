/**
 * zstd decompression that only works as fast as its output is read (Node 20's zlib has no zstd).
 * fzstd decodes every whole block it is given at once, synchronously, up to 128 KiB of output
 * each, so a 65 KB layer of run-length blocks handed over in one piece expands to 2 GiB in one
 * call. Here the frame structure (frame headers, block headers, checksums, skippable frames) is
 * followed as the input arrives, and fzstd is given input only up to the end of the current
 * block, and none while the reader has not asked for more: each step yields at most one block.
 * A frame asking for a window over 128 MiB is refused before fzstd allocates it, as zstd's own
 * decoder refuses it without `--long=31`.
 */
import { Duplex } from 'node:stream';
import { Decompress } from 'fzstd';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { imageCodes } from '../../core/diagnostics/codes-image.js';
import type { Digest } from '../../core/digest.js';

/** The largest window accepted: zstd's default limit for decompression (windowLog 27). */
export const MAX_ZSTD_WINDOW = 128 * 1024 * 1024;

const ZSTD_MAGIC = 0xfd2fb528;
/** Skippable frames have magic numbers 0x184D2A50 to 0x184D2A5F. */
const SKIPPABLE_MAGIC = 0x184d2a50;
const FCS_BYTES = [0, 2, 4, 8];
const DICT_ID_BYTES = [0, 1, 2, 4];
const BLOCK_RLE = 1;
const BLOCK_RESERVED = 3;

/** Where the reader is in the frame structure: how many bytes the current unit still has, and what follows it. */
type Unit =
  | { readonly kind: 'frame-start' }
  | { readonly kind: 'frame-header'; readonly checksum: boolean }
  | { readonly kind: 'block-header'; readonly checksum: boolean }
  | { readonly kind: 'block'; readonly checksum: boolean; readonly last: boolean }
  | { readonly kind: 'skip' };

/** Follows the frame structure of a zstd stream, so its input can be cut at block ends. */
class FrameReader {
  #unit: Unit = { kind: 'frame-start' };
  /** Bytes left in the current unit; 0 for a unit whose length needs more bytes to know. */
  #left = 0;
  /** Bytes of a header being gathered, when its length is not known yet. */
  #head = Buffer.alloc(0);

  constructor(private readonly refuse: (windowSize: number) => never) {}

  /**
   * How many bytes of `input` (from `at`) belong to the current block and what precedes it:
   * giving fzstd exactly these lets it finish at most one block.
   */
  take(input: Buffer, at: number): number {
    let used = 0;
    while (at + used < input.length) {
      if (this.#left > 0) {
        const n = Math.min(this.#left, input.length - at - used);
        used += n;
        this.#left -= n;
        if (this.#left > 0) return used;
        if (this.#finish()) return used;
        continue;
      }
      // A header whose length depends on its first bytes: gather them.
      this.#head = Buffer.concat([this.#head, input.subarray(at + used, at + used + 1)]);
      used++;
      this.#readHead();
    }
    return used;
  }

  /** The current unit is complete; moves to the next and says whether a block just ended. */
  #finish(): boolean {
    const unit = this.#unit;
    if (unit.kind === 'block') {
      this.#unit = unit.last ? { kind: 'frame-start' } : { kind: 'block-header', checksum: unit.checksum };
      if (unit.last && unit.checksum) {
        this.#unit = { kind: 'skip' };
        this.#left = 4;
      }
      return true;
    }
    if (unit.kind === 'frame-header') this.#unit = { kind: 'block-header', checksum: unit.checksum };
    else if (unit.kind === 'skip') this.#unit = { kind: 'frame-start' };
    return false;
  }

  /** Reads as much of a header as `#head` holds; sets the unit and its length once they are known. */
  #readHead(): void {
    const head = this.#head;
    const unit = this.#unit;
    if (unit.kind === 'block-header') {
      if (head.length < 3) return;
      const word = head.readUIntLE(0, 3);
      const type = (word >> 1) & 3;
      if (type === BLOCK_RESERVED) throw new Error('zstd block of the reserved type');
      this.#head = Buffer.alloc(0);
      this.#unit = { kind: 'block', checksum: unit.checksum, last: (word & 1) === 1 };
      this.#left = type === BLOCK_RLE ? 1 : word >>> 3;
      if (this.#left === 0) this.#finish();
      return;
    }
    if (head.length < 4) return;
    const magic = head.readUInt32LE(0);
    if ((magic & 0xfffffff0) === SKIPPABLE_MAGIC) {
      if (head.length < 8) return;
      this.#head = Buffer.alloc(0);
      this.#unit = { kind: 'skip' };
      this.#left = head.readUInt32LE(4);
      if (this.#left === 0) this.#finish();
      return;
    }
    if (magic !== ZSTD_MAGIC) throw new Error('not a zstd frame');
    if (head.length < 6) return;
    const descriptor = head[4] as number;
    const single = (descriptor >> 5) & 1;
    const fcsBytes = FCS_BYTES[descriptor >> 6] || single;
    const size = 5 + (single ? 0 : 1) + (DICT_ID_BYTES[descriptor & 3] as number) + fcsBytes;
    if (head.length < size) return;
    let window: number;
    if (single) {
      const at = size - fcsBytes;
      window = fcsBytes === 8 ? Number(head.readBigUInt64LE(at)) : head.readUIntLE(at, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
    } else {
      const wd = head[5] as number;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    if (window > MAX_ZSTD_WINDOW) this.refuse(window);
    this.#head = Buffer.alloc(0);
    this.#unit = { kind: 'frame-header', checksum: ((descriptor >> 2) & 1) === 1 };
    this.#finish();
  }
}

/** A zstd decompressor for layer `digest`, pulled by its reader (see the module comment). */
export function zstdDecompressor(digest: Digest): Duplex {
  let wanted = true;
  let pending: { chunk: Buffer; at: number; done: (error?: Error | null) => void } | undefined;
  const frames = new FrameReader((window) => {
    throw new DiagnosticError(createDiagnostic(imageCodes.zstdWindowTooLarge, 'window', { digest, window, max: MAX_ZSTD_WINDOW }));
  });
  const stream = new Duplex({
    readableHighWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, done) {
      pending = { chunk, at: 0, done };
      pump();
    },
    final(done) {
      try {
        decoder.push(new Uint8Array(0), true);
        stream.push(null);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    read() {
      wanted = true;
      pump();
    },
  });
  const decoder = new Decompress((data) => {
    if (data.length > 0) wanted = stream.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength)) && wanted;
  });
  const pump = (): void => {
    while (pending && wanted) {
      const { chunk, at, done } = pending;
      try {
        const n = frames.take(chunk, at);
        decoder.push(chunk.subarray(at, at + n));
        pending.at += n;
      } catch (error) {
        pending = undefined;
        done(error as Error);
        return;
      }
      if (pending.at >= chunk.length) {
        pending = undefined;
        done();
      }
    }
  };
  return stream;
}
