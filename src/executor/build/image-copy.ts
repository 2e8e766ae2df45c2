/**
 * Copying sealed images: a reflink where the filesystem supports one, else a copy that keeps
 * the image's holes, hashing the bytes on the way when asked, so a new image is read only once.
 */
import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { copyFile, open, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { Digest } from '../../core/digest.js';

/** Sees every byte of an image as it is read, in order: `chunk` starts at byte `offset`. */
export type ByteObserver = (chunk: Buffer, offset: number) => void;

const CHUNK = 1 << 20;
const HOLE_GRAIN = 64 * 1024;

const ZERO_GRAIN = Buffer.alloc(HOLE_GRAIN);

/** Whether `buffer[start..end]` (at most a grain) is all zeros: one memcmp, not a loop in JS. */
function isZero(buffer: Buffer, start: number, end: number): boolean {
  return buffer.subarray(start, end).equals(ZERO_GRAIN.subarray(0, end - start));
}

/** Writes the data of `buffer` (bytes `0..length`) at `offset`, leaving all-zero grains as holes. */
export async function writeDataRuns(output: FileHandle, buffer: Buffer, length: number, offset: number): Promise<void> {
  let run = -1;
  for (let start = 0; ; start += HOLE_GRAIN) {
    const atEnd = start >= length;
    const end = Math.min(start + HOLE_GRAIN, length);
    const hole = atEnd || (end - start === HOLE_GRAIN && isZero(buffer, start, end));
    if (!hole && run < 0) run = start;
    if (hole && run >= 0) {
      await output.write(buffer, run, start - run, offset + run);
      run = -1;
    }
    if (atEnd) return;
  }
}

/**
 * Copies `from` to `to`, leaving runs of zeros as holes and feeding every byte to `hash`; sizes
 * are multiples of 2 MiB. Two buffers take turns, so reading the next chunk and writing the
 * last one go on while this one is hashed.
 */
async function sparseCopy(from: string, to: string, size: number, see: ByteObserver): Promise<void> {
  const input = await open(from, 'r');
  const output = await open(to, 'wx', 0o644).catch(async (error: unknown) => {
    await input.close();
    throw error;
  });
  try {
    const buffers = [Buffer.alloc(CHUNK), Buffer.alloc(CHUNK)] as const;
    const readAt = (offset: number) => input.read(buffers[(offset / CHUNK) % 2] as Buffer, 0, Math.min(CHUNK, size - offset), offset);
    let reading = size > 0 ? readAt(0) : undefined;
    let writing: Promise<void> = Promise.resolve();
    for (let offset = 0; offset < size && reading; offset += CHUNK) {
      const { bytesRead, buffer } = await reading;
      // The other buffer is free once its chunk is written; then the next read may fill it.
      await writing;
      reading = offset + CHUNK < size ? readAt(offset + CHUNK) : undefined;
      reading?.catch(() => undefined);
      see(buffer.subarray(0, bytesRead), offset);
      writing = writeDataRuns(output, buffer, bytesRead, offset);
      // Awaited on the next turn; until then a failure must not count as unhandled.
      writing.catch(() => undefined);
    }
    await writing;
    await output.truncate(size);
  } finally {
    await Promise.all([input.close(), output.close()]);
  }
}

/** How much of an image its used blocks must fill for a plain copy, holes and all, to be cheaper than finding the holes. */
const DENSE = 0.75;

/** Whether an image with `usedBlocks` of 4 KiB in `size` bytes is dense enough for a kernel copy. */
export function isDense(image: { readonly size: number; readonly blocks: number }): boolean {
  return image.blocks * 4096 >= DENSE * image.size;
}

/**
 * Copies an image to `to` (which must not exist): a reflink where the filesystem supports one,
 * else a copy that keeps the image's holes, whose bytes `see` sees as they are read. Returns
 * whether they did (a reflink reads nothing). A `dense` image (see {@link isDense}) is copied by
 * the kernel while `see` is fed from a read of its own on the other core: its few holes are not
 * worth a copy through this process.
 */
async function copyImage(from: string, to: string, size: number, see: ByteObserver, dense: boolean): Promise<boolean> {
  if (dense) {
    const copying = copyFile(from, to, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
    copying.catch(() => undefined);
    await readImage(from, see);
    await copying;
    return true;
  }
  try {
    await copyFile(from, to, constants.COPYFILE_FICLONE_FORCE);
  } catch {
    await rm(to, { force: true });
    await sparseCopy(from, to, size, see);
    return true;
  }
  return false;
}

/** Reads the image at `path` once, showing every byte to `see`. */
export async function readImage(path: string, see: ByteObserver): Promise<void> {
  let offset = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) {
    see(chunk as Buffer, offset);
    offset += (chunk as Buffer).length;
  }
}

/**
 * Copies an image to `to` and returns its digest, taken from the copy's own read when there is
 * one (a reflink reads nothing: the image is then read once to hash it).
 */
export async function copyAndHash(from: string, to: string, dense = false): Promise<Digest> {
  const hash = createHash('sha256');
  const see: ByteObserver = (chunk) => hash.update(chunk);
  const { size } = await stat(from);
  if (!(await copyImage(from, to, size, see, dense))) await readImage(from, see);
  return `sha256:${hash.digest('hex')}`;
}
