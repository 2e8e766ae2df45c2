/**
 * rootfs.ext4 to and from a registry as chunks: each {@link CHUNK_BYTES} of the image is one zstd
 * frame, one blob. A few chunks are read, compressed and uploaded at once (a chunk the registry
 * already has is not sent again, so a push that was interrupted resumes where it stopped); on the
 * way back each chunk is fetched into the blob store (verified against its digest, resumed from a
 * partial download, removed once written), decompressed and written at its offset with its zero runs left as holes,
 * and the whole image is hashed in order as the chunks land, so it is read only once.
 */
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { digestFromHex } from '../../core/digest.js';
import type { Digest } from '../../core/digest.js';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { imageCodes } from '../../core/diagnostics/codes-image.js';
import { writeDataRuns } from '../build/image-copy.js';
import type { BlobStore, RegistryClient, RegistryPusher } from '../image/index.js';
import { CHUNK_BYTES, chunkDescriptor } from './artifact.js';
import type { Chunk, Descriptor } from './artifact.js';
import { compressChunk, decompressChunk } from './zstd.js';

/** Chunks in flight at once: enough to keep two cores and the network busy, in bounded memory. */
const PARALLEL = 3;

/** Runs `work` over `0..count-1`, `PARALLEL` at a time, each worker taking the next index. */
async function inParallel(count: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < count; index = next++) await work(index);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, count) }, worker));
}

/** Uploads the image at `path` (`size` bytes) as chunks; returns their descriptors in order. */
export async function uploadImage(pusher: RegistryPusher, path: string, size: number, onChunk?: (done: number) => void): Promise<Descriptor[]> {
  const file = await open(path, 'r');
  try {
    const count = Math.ceil(size / CHUNK_BYTES);
    const descriptors: Descriptor[] = new Array<Descriptor>(count);
    let done = 0;
    await inParallel(count, async (index) => {
      const offset = index * CHUNK_BYTES;
      const length = Math.min(CHUNK_BYTES, size - offset);
      const raw = Buffer.alloc(length);
      const { bytesRead } = await file.read(raw, 0, length, offset);
      if (bytesRead !== length) throw new Error(`${path} is shorter than its recorded ${size} bytes`);
      const compressed = await compressChunk(raw);
      const descriptor = chunkDescriptor({ offset, length }, compressed);
      await pusher.pushBlob(descriptor.digest, compressed);
      descriptors[index] = descriptor;
      onChunk?.(++done);
    });
    return descriptors;
  } finally {
    await file.close();
  }
}

/** Where chunks come from. */
export interface ChunkSource {
  readonly client: RegistryClient;
  readonly repository: string;
  readonly store: BlobStore;
}

/**
 * Writes the image the chunks make into `target` (which must not exist) and returns its sha256.
 * The chunk blobs pass through the blob store and are removed from it once written.
 */
export async function downloadImage(source: ChunkSource, chunks: readonly Chunk[], size: number, target: string): Promise<Digest> {
  const output = await open(target, 'wx', 0o644);
  const hash = createHash('sha256');
  // Identical chunks (runs of free space) are one blob: fetched once, read by each chunk.
  const fetched = new Map<Digest, Promise<void>>();
  const fetchOnce = (blob: Descriptor): Promise<void> => {
    let pending = fetched.get(blob.digest);
    if (!pending) {
      pending = source.store.fetchInto(blob.digest, blob.size, (offset) => source.client.blob(source.repository, blob.digest, offset));
      fetched.set(blob.digest, pending);
    }
    return pending;
  };
  try {
    await output.truncate(size);
    // Chunk i is hashed after chunk i-1: each worker waits for its turn, so at most PARALLEL
    // decompressed chunks are held at once.
    const turns: (() => void)[] = [];
    const hashed = chunks.map(() => new Promise<void>((resolve) => turns.push(resolve)));
    await inParallel(chunks.length, async (index) => {
      const chunk = chunks[index] as Chunk;
      await fetchOnce(chunk.blob);
      const data = await decompress(source.store, chunk);
      await writeDataRuns(output, data, data.length, chunk.offset);
      if (index > 0) await hashed[index - 1];
      hash.update(data);
      (turns[index] as () => void)();
    });
    await output.sync();
  } finally {
    await output.close();
    await Promise.all([...fetched.keys()].map((digest) => source.store.remove(digest)));
  }
  return digestFromHex(hash.digest('hex'));
}

/** One chunk's bytes, from its verified blob in the store. */
async function decompress(store: BlobStore, chunk: Chunk): Promise<Buffer> {
  const { digest } = chunk.blob;
  let data: Buffer;
  try {
    data = await decompressChunk(await readFile(store.path(digest)));
  } catch (error) {
    throw new DiagnosticError(createDiagnostic(imageCodes.digestMismatch, `chunk ${digest} at byte ${chunk.offset} does not decompress: ${(error as Error).message}`));
  }
  if (data.length !== chunk.length) throw new DiagnosticError(createDiagnostic(imageCodes.digestMismatch, `chunk ${digest} at byte ${chunk.offset} holds ${data.length} bytes, not ${chunk.length}`));
  return data;
}

/** A whole blob (a config, a plan) read through the blob store, verified, and not kept there. */
export async function readBlob(source: ChunkSource, blob: Descriptor): Promise<Buffer> {
  await source.store.fetchInto(blob.digest, blob.size, (offset) => source.client.blob(source.repository, blob.digest, offset));
  try {
    return await readFile(source.store.path(blob.digest));
  } finally {
    await source.store.remove(blob.digest);
  }
}
