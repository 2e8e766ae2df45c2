/**
 * Block allocation and buffered writes. Blocks are handed out in increasing order, skipping the
 * regions at the start of groups that hold superblock backups, so file data can be written the
 * moment it arrives and metadata placed after it at the end.
 */
import type { FileHandle } from 'node:fs/promises';
import { BLOCK_SIZE, BLOCKS_PER_GROUP, hasSuperblockBackup, MAX_EXTENT_LENGTH } from './format/index.js';
import type { Extent } from './format/index.js';

/** Group descriptor blocks kept free after each superblock copy (32-byte descriptors: 4096 groups, 512 GiB). */
export const GDT_RESERVED = 32;

/** A contiguous run of blocks. */
export interface Run {
  readonly start: number;
  readonly len: number;
}

/** Hands out blocks in increasing order, around the superblock backup regions. */
export class Allocator {
  /** The next free block. */
  next = 1 + GDT_RESERVED;

  /** Whether `block` lies in a reserved superblock/GDT region. */
  static reservedEnd(block: number): number | undefined {
    const g = Math.floor(block / BLOCKS_PER_GROUP);
    const start = g * BLOCKS_PER_GROUP;
    return hasSuperblockBackup(g) && block < start + 1 + GDT_RESERVED ? start + 1 + GDT_RESERVED : undefined;
  }

  /** Allocates `count` blocks as one or more runs. */
  allocate(count: number): Run[] {
    const runs: Run[] = [];
    let left = count;
    while (left > 0) {
      const skip = Allocator.reservedEnd(this.next);
      if (skip !== undefined) this.next = skip;
      const groupEnd = (Math.floor(this.next / BLOCKS_PER_GROUP) + 1) * BLOCKS_PER_GROUP;
      const nextGroupReserved = hasSuperblockBackup(groupEnd / BLOCKS_PER_GROUP);
      const limit = nextGroupReserved ? groupEnd - this.next : Infinity;
      const len = Math.min(left, limit);
      const last = runs[runs.length - 1];
      if (last && last.start + last.len === this.next) runs[runs.length - 1] = { start: last.start, len: last.len + len };
      else runs.push({ start: this.next, len });
      this.next += len;
      left -= len;
    }
    return runs;
  }
}

/** Appends a run to an extent list, merging with the last extent when both logical and physical continue it. */
export function addExtent(extents: Extent[], logical: number, run: Run): void {
  let l = logical;
  let start = run.start;
  let len = run.len;
  const last = extents[extents.length - 1];
  if (last && last.logical + last.len === l && last.start + last.len === start && last.len < MAX_EXTENT_LENGTH) {
    const take = Math.min(len, MAX_EXTENT_LENGTH - last.len);
    extents[extents.length - 1] = { logical: last.logical, start: last.start, len: last.len + take };
    l += take;
    start += take;
    len -= take;
  }
  while (len > 0) {
    const take = Math.min(len, MAX_EXTENT_LENGTH);
    extents.push({ logical: l, start, len: take });
    l += take;
    start += take;
    len -= take;
  }
}

/** Where blocks go: the image file, or a map of blocks in a test. */
export interface BlockSink {
  /** Writes `data` (a whole number of blocks, or less for the last block of a run) at `block`. */
  write(block: number, data: Uint8Array): Promise<void>;
}

/** Blocks to allocate and somewhere to write them: what every sealing step that places data needs. */
export interface BlockSpace {
  readonly allocator: Allocator;
  readonly disk: BlockSink;
}

const BUFFER = 4 << 20;

/**
 * Coalesces sequential block writes into large positional writes. Two buffers take turns: one
 * is written out while the other fills, so writing overlaps with whatever produces the data.
 */
export class BlockWriter implements BlockSink {
  readonly #file: FileHandle;
  #buffer = Buffer.alloc(BUFFER);
  #spare = Buffer.alloc(BUFFER);
  #used = 0;
  #at = -1;
  /** The write of the other buffer, still going on. */
  #inFlight: Promise<void> = Promise.resolve();

  constructor(file: FileHandle) {
    this.#file = file;
  }

  /** Writes `data` (a whole number of blocks, or less for the last block of a run) at `block`. */
  async write(block: number, data: Uint8Array): Promise<void> {
    const position = block * BLOCK_SIZE;
    if (this.#at >= 0 && this.#at + this.#used === position && this.#used + data.length <= BUFFER) {
      this.#buffer.set(data, this.#used);
      this.#used += data.length;
      return;
    }
    await this.#send();
    if (data.length >= BUFFER) {
      await this.#inFlight;
      await this.#writeAll(data, position);
      return;
    }
    this.#at = position;
    this.#buffer.set(data, 0);
    this.#used = data.length;
  }

  /** Starts writing the buffer out (after the last such write ended) and takes the spare. */
  async #send(): Promise<void> {
    if (this.#used === 0) return;
    await this.#inFlight;
    const full = this.#buffer.subarray(0, this.#used);
    const at = this.#at;
    [this.#buffer, this.#spare] = [this.#spare, this.#buffer];
    this.#used = 0;
    this.#at = -1;
    this.#inFlight = this.#writeAll(full, at);
    // Awaited by the next send or flush; until then a failure must not count as unhandled.
    this.#inFlight.catch(() => undefined);
  }

  /** Writes out anything buffered, and waits until every write has ended. */
  async flush(): Promise<void> {
    await this.#send();
    await this.#inFlight;
  }

  async #writeAll(data: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.#file.write(data, done, data.length - done, position + done);
      done += bytesWritten;
    }
  }
}
