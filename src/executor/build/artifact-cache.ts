/**
 * Sealed rootfs images in the cache, keyed by the seal node's id. An entry is a directory holding
 * `rootfs.ext4`, `facts.json` and `entry.json`; it is assembled under a temporary name and
 * renamed into place whole, so a reader sees a complete entry or none. `entry.json` records the
 * image's digest and size; an entry whose files disagree with it is reported corrupt and rebuilt.
 */
import { constants, createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { copyFile, mkdir, open, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { Digest } from '../../core/digest.js';
import { syncDirectory, temporaryPathFor, touch, writeFileAtomic } from '../../core/paths.js';
import type { Ext4Result } from '../ext4/index.js';
import { factsFromJson, factsToJson } from './rootfs-facts.js';
import type { RootfsFacts } from './rootfs-facts.js';

/** A complete cache entry. */
export interface CachedArtifact {
  readonly dir: string;
  readonly rootfs: string;
  readonly sha256: Digest;
  readonly ext4: Ext4Result;
  readonly facts: RootfsFacts;
}

/** The outcome of a lookup: a usable entry, nothing, or an entry that failed its checks. */
export type CacheLookup = { readonly state: 'hit'; readonly artifact: CachedArtifact } | { readonly state: 'missing' } | { readonly state: 'corrupt'; readonly reason: string };

/** The layout of an entry (entry.json and facts.json); bumped when either changes. */
const ENTRY_VERSION = 2;

const entrySchema = z.object({
  version: z.literal(ENTRY_VERSION),
  sealId: z.string(),
  sha256: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  ext4: z.object({ size: z.number().int(), uuid: z.string(), blockSize: z.number().int(), inodes: z.number().int(), blocks: z.number().int() }),
});

/** The directory of the entry for `sealId`. */
export function artifactDir(cacheDir: string, sealId: Digest): string {
  return join(cacheDir, 'artifacts', sealId.replace(/^sha256:/, ''));
}

/** Looks the seal node up. Checks that every file is there and the image has the recorded size. */
export async function lookupArtifact(cacheDir: string, sealId: Digest): Promise<CacheLookup> {
  const dir = artifactDir(cacheDir, sealId);
  let entryText: string;
  try {
    entryText = await readFile(join(dir, 'entry.json'), 'utf8');
  } catch {
    return { state: 'missing' };
  }
  let entry;
  try {
    const json = JSON.parse(entryText) as { version?: unknown };
    // An entry in another layout was written by another version of cube: not corrupt, just not ours.
    if (typeof json.version === 'number' && json.version !== ENTRY_VERSION) return { state: 'missing' };
    entry = entrySchema.parse(json);
  } catch {
    return { state: 'corrupt', reason: 'entry.json is not valid' };
  }
  if (entry.sealId !== sealId) return { state: 'corrupt', reason: 'entry.json names another seal node' };
  const rootfs = join(dir, 'rootfs.ext4');
  const size = await stat(rootfs).then((s) => s.size, () => -1);
  if (size !== entry.ext4.size) return { state: 'corrupt', reason: size < 0 ? 'rootfs.ext4 is missing' : `rootfs.ext4 is ${size} bytes, expected ${entry.ext4.size}` };
  const facts = factsFromJson(await readFile(join(dir, 'facts.json'), 'utf8').catch(() => ''));
  if (!facts) return { state: 'corrupt', reason: 'facts.json is missing or not valid' };
  await touch(dir);
  return { state: 'hit', artifact: { dir, rootfs, sha256: entry.sha256 as Digest, ext4: entry.ext4, facts } };
}

/** A staging directory for a new entry; the image is written into it, then {@link commitArtifact}. */
export async function stageArtifact(cacheDir: string, sealId: Digest): Promise<{ dir: string; rootfs: string }> {
  const dir = temporaryPathFor(artifactDir(cacheDir, sealId));
  await mkdir(dir, { recursive: true });
  return { dir, rootfs: join(dir, 'rootfs.ext4') };
}

/**
 * Completes a staged entry: fsyncs the image, writes facts and entry (last), and renames the
 * directory into place. If another process committed the same seal first, its entry is kept.
 */
export async function commitArtifact(
  cacheDir: string,
  staged: { dir: string; rootfs: string },
  sealId: Digest,
  result: { sha256: Digest; ext4: Ext4Result; facts: RootfsFacts },
): Promise<CachedArtifact> {
  const handle = await open(staged.rootfs, 'r');
  await handle.sync().finally(() => handle.close());
  await writeFileAtomic(join(staged.dir, 'facts.json'), factsToJson(result.facts));
  const entry = { version: ENTRY_VERSION, sealId, sha256: result.sha256, ext4: result.ext4 };
  await writeFileAtomic(join(staged.dir, 'entry.json'), JSON.stringify(entry, null, 2) + '\n');
  const dir = artifactDir(cacheDir, sealId);
  await rm(dir, { recursive: true, force: true });
  try {
    await rename(staged.dir, dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    await rm(staged.dir, { recursive: true, force: true });
  }
  await syncDirectory(join(cacheDir, 'artifacts'));
  return { dir, rootfs: join(dir, 'rootfs.ext4'), sha256: result.sha256, ext4: result.ext4, facts: result.facts };
}

/** Removes a staged entry after a failed build. */
export async function discardStaged(staged: { dir: string }): Promise<void> {
  await rm(staged.dir, { recursive: true, force: true });
}

/** Streams a file through SHA-256. */
export async function sha256File(path: string): Promise<Digest> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Copies an image to `to` (which must not exist) and fsyncs it: a reflink where the filesystem
 * supports one, else a copy that keeps the image's holes. With `hash`, the bytes of a plain copy
 * go through it as they are read; returns whether they did (a reflink reads nothing).
 */
async function copyImage(from: string, to: string, size: number, hash?: Hash): Promise<boolean> {
  try {
    await copyFile(from, to, constants.COPYFILE_FICLONE_FORCE);
  } catch {
    await rm(to, { force: true });
    await sparseCopy(from, to, size, hash);
    return true;
  }
  const handle = await open(to, 'r');
  await handle.sync().finally(() => handle.close());
  return false;
}

/**
 * Copies a just-sealed image to `to` and returns its digest, taken from the copy's own read when
 * there is one: on a cold build that is the only time the image is read.
 */
export async function copyAndHash(from: string, to: string): Promise<Digest> {
  const hash = createHash('sha256');
  const { size } = await stat(from);
  const hashed = await copyImage(from, to, size, hash);
  return hashed ? `sha256:${hash.digest('hex')}` : sha256File(from);
}

/**
 * Moves an image copied with {@link copyAndHash} to `target`, with the cached image's times, so a
 * later build sees that `target` already is the cached image.
 */
export async function placePrepared(artifact: CachedArtifact, prepared: string, target: string): Promise<void> {
  const source = await stat(artifact.rootfs);
  await utimes(prepared, source.atime, source.mtime);
  await rename(prepared, target);
  await syncDirectory(dirname(target));
}

/**
 * Places the cached image at `target`: nothing to do when `target` already is this image (same
 * size and modification time as the cache copy), else a reflink copy where the filesystem
 * supports it, else a copy that keeps the image's holes. Written to a temporary name, renamed.
 */
export async function placeArtifact(artifact: CachedArtifact, target: string): Promise<'unchanged' | 'copied'> {
  const [source, existing] = await Promise.all([stat(artifact.rootfs), stat(target).catch(() => undefined)]);
  // utimes keeps milliseconds, so compare at that precision.
  if (existing && existing.size === source.size && Math.round(existing.mtimeMs) === Math.round(source.mtimeMs)) return 'unchanged';
  const temporary = temporaryPathFor(target);
  try {
    await copyImage(artifact.rootfs, temporary, source.size);
    await placePrepared(artifact, temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return 'copied';
}

const CHUNK = 1 << 20;
const HOLE_GRAIN = 64 * 1024;

function isZero(buffer: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i += 8) if (buffer.readBigUInt64LE(i) !== 0n) return false;
  return true;
}

/** Writes the data of `buffer` (bytes `0..length`) at `offset`, leaving all-zero grains as holes. */
async function writeDataRuns(output: FileHandle, buffer: Buffer, length: number, offset: number): Promise<void> {
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
async function sparseCopy(from: string, to: string, size: number, hash?: Hash): Promise<void> {
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
      hash?.update(buffer.subarray(0, bytesRead));
      writing = writeDataRuns(output, buffer, bytesRead, offset);
    }
    await writing;
    await output.truncate(size);
    await output.sync();
  } finally {
    await Promise.all([input.close(), output.close()]);
  }
}
