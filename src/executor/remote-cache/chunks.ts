/**
 * rootfs.ext4 to and from a registry as chunks: each {@link CHUNK_BYTES} of the image is one zstd
 * frame, one blob. A few chunks are read, compressed and uploaded at once (a chunk the registry
 * already has is not sent again, so a push that was interrupted resumes where it stopped); on the
 * way back a few chunks are fetched at once into memory (a broken transfer resumes with a Range,
 * each blob is checked against its digest), decompressed and written at their offsets with their
 * zero runs left as holes, and the whole image is hashed in order as the chunks land, so it is
 * read only once.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { Digest } from '../../core/digest.js';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { imageCodes } from '../../core/diagnostics/codes-image.js';
import { writeDataRuns } from '../build/image-copy.js';
import { transferResumable } from '../image/index.js';
import type { RegistryClient, RegistryPusher, TransferState } from '../image/index.js';
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
}

/** Connections tried for one blob; each one resumes (Range) where the last one stopped. */
const FETCH_ATTEMPTS = 5;

/** A connection that sends nothing for this long is dropped and the transfer resumed. */
const STALL_MS = 60_000;

/**
 * A whole blob in memory, verified against its digest and size. A transfer that breaks or stalls
 * resumes from the bytes received (the blob store's transfer); bytes that do not hash to the
 * digest are CUBE3104, never returned.
 */
export async function readBlob(source: ChunkSource, blob: Descriptor): Promise<Buffer> {
  const parts: Buffer[] = [];
  const state: TransferState = { digest: blob.digest, size: blob.size, received: 0, hash: createHash('sha256'), stallMs: STALL_MS };
  await transferResumable((from) => source.client.blob(source.repository, blob.digest, from), state, FETCH_ATTEMPTS, async (data) => {
    parts.push(data);
  });
  const got = `sha256:${state.hash.digest('hex')}`;
  if (got !== blob.digest) throw new DiagnosticError(createDiagnostic(imageCodes.digestMismatch, 'blob', { digest: blob.digest, got }));
  return Buffer.concat(parts, state.received);
}

/** Writes the image the chunks make into `target` (which must not exist) and returns its sha256. */
export async function downloadImage(source: ChunkSource, chunks: readonly Chunk[], size: number, target: string): Promise<Digest> {
  const output = await open(target, 'wx', 0o644);
  const hash = createHash('sha256');
  try {
    await output.truncate(size);
    // Chunk i is hashed after chunk i-1: each worker waits for its turn, so at most PARALLEL
    // decompressed chunks are held at once.
    const turns: (() => void)[] = [];
    const hashed = chunks.map(() => new Promise<void>((resolve) => turns.push(resolve)));
    const blob = sharedBlobs(source, chunks);
    await inParallel(chunks.length, async (index) => {
      const chunk = chunks[index] as Chunk;
      const data = await decompress(chunk, await blob(chunk));
      await writeDataRuns(output, data, data.length, chunk.offset);
      if (index > 0) await hashed[index - 1];
      hash.update(data);
      (turns[index] as () => void)();
    });
    // Not fsynced, as images a build writes are not (docs/artifacts.md): whoever uses it hashes it.
  } finally {
    await output.close();
  }
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Reads each chunk's blob; identical chunks (runs of free space) are one blob, fetched once and
 * kept only until the last chunk that uses it has it.
 */
function sharedBlobs(source: ChunkSource, chunks: readonly Chunk[]): (chunk: Chunk) => Promise<Buffer> {
  const uses = new Map<string, number>();
  for (const chunk of chunks) uses.set(chunk.blob.digest, (uses.get(chunk.blob.digest) ?? 0) + 1);
  const fetched = new Map<string, Promise<Buffer>>();
  return (chunk) => {
    const { digest } = chunk.blob;
    const left = (uses.get(digest) as number) - 1;
    uses.set(digest, left);
    const bytes = fetched.get(digest) ?? readBlob(source, chunk.blob);
    if (left === 0) fetched.delete(digest);
    else fetched.set(digest, bytes);
    return bytes;
  };
}

/** One chunk's bytes from its verified blob. */
async function decompress(chunk: Chunk, compressed: Buffer): Promise<Buffer> {
  let data: Buffer;
  try {
    data = await decompressChunk(compressed);
  } catch (error) {
    throw new DiagnosticError(createDiagnostic(imageCodes.digestMismatch, 'chunkDecompress', { digest: chunk.blob.digest, offset: chunk.offset, problem: (error as Error).message }));
  }
  if (data.length !== chunk.length) throw new DiagnosticError(createDiagnostic(imageCodes.digestMismatch, 'chunkLength', { digest: chunk.blob.digest, offset: chunk.offset, got: data.length, expected: chunk.length }));
  return data;
}
