/**
 * The flattened base (docs/incremental.md): the ext4 writer's state, the flattened index and the
 * account files as they stood when a cold build had written its layers and nothing else, kept
 * with a hard link to the image that build sealed. A later build of the same base starts from it
 * and reads no layer.
 *
 *   bases/<key>/state.bin   one v8 serialisation (hard links stay shared objects)
 *   bases/<key>/data.img    hard link to the image; its blocks below the state's `next` are the data
 *   bases/<key>/base.json   which file data.img must still be (written last: the entry's commit)
 */
import { link, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { z } from 'zod';
import { sha256Digest } from '../../core/digest.js';
import type { Digest } from '../../core/digest.js';
import { syncDirectory, temporaryPathFor, writeFileAtomic } from '../../core/paths.js';
import type { Ext4WriterState } from '../ext4/index.js';
import { FlattenedIndex } from '../flatten/index.js';
import type { IndexInode } from '../flatten/index.js';
import type { AccountFiles } from '../launch/index.js';

/** Bump when what state.bin holds, or how it is used, changes. */
const BASE_VERSION = 1;

/** What the key of a flattened base covers: every value the recorded state depends on. */
export interface BaseKeyInput {
  /** The plan's rootfs node: the layers, by digest and diffID, in order. */
  readonly rootfs: Digest;
  /** The time given to implicit directories. */
  readonly epoch: number;
  /** Whether all-zero data blocks became holes. */
  readonly holes: boolean;
  /** The ext4 writer's format version. */
  readonly writer: number;
}

/** The base's key: a digest of everything that decides its state. */
export function baseKey(input: BaseKeyInput): Digest {
  return sha256Digest(JSON.stringify({ version: BASE_VERSION, rootfs: input.rootfs, epoch: input.epoch, holes: input.holes, writer: input.writer }));
}

/** The state a build carries on from. */
export interface BaseState {
  readonly writer: Ext4WriterState;
  readonly index: FlattenedIndex;
  readonly accounts: AccountFiles;
  /** How many layers were flattened into it. */
  readonly layers: number;
  /** The seal node of the build that recorded it. */
  readonly sealedBy: Digest;
}

/** A base found in the cache: its state and the image whose blocks it points at. */
export interface FlattenedBase extends BaseState {
  readonly image: string;
}

const identitySchema = z.object({ version: z.literal(BASE_VERSION), ino: z.number(), size: z.number(), mtimeNs: z.string(), ctimeNs: z.string() }).strict();

function baseDir(cacheDir: string, key: Digest): string {
  return join(cacheDir, 'bases', key.replace(':', '-'));
}

async function identityOf(path: string): Promise<z.infer<typeof identitySchema>> {
  const s = await stat(path, { bigint: true });
  return { version: BASE_VERSION, ino: Number(s.ino), size: Number(s.size), mtimeNs: String(s.mtimeNs), ctimeNs: String(s.ctimeNs) };
}

/** Serialises a base's state now (the writer's tree changes with the next call), for {@link keepBase}. */
export function captureBase(state: BaseState): Buffer {
  return serialize({ version: BASE_VERSION, writer: state.writer, entries: state.index.entries(), accounts: state.accounts, layers: state.layers, sealedBy: state.sealedBy });
}

/**
 * Keeps a captured base with `image` (a sealed image that is not written again). Replaces any
 * base under the same key. Failing to keep one is no error for the build: the caller logs it.
 */
export async function keepBase(cacheDir: string, key: Digest, captured: Buffer, image: string): Promise<void> {
  const dir = baseDir(cacheDir, key);
  const staged = temporaryPathFor(dir);
  await mkdir(staged, { recursive: true });
  try {
    await writeFileAtomic(join(staged, 'state.bin'), captured);
    await link(image, join(staged, 'data.img'));
    await writeFileAtomic(join(staged, 'base.json'), JSON.stringify(await identityOf(join(staged, 'data.img'))) + '\n');
    const aside = temporaryPathFor(dir);
    await rename(dir, aside).catch(() => undefined);
    await rename(staged, dir);
    await rm(aside, { recursive: true, force: true });
    await syncDirectory(join(cacheDir, 'bases'));
  } catch (error) {
    await rm(staged, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The base under `key`, or undefined when there is none or it cannot be trusted: data.img is no
 * longer the file it was linked as (written in place, replaced, truncated), or state.bin is not
 * a state this version reads. An untrustworthy base is removed.
 */
export async function findBase(cacheDir: string, key: Digest): Promise<FlattenedBase | undefined> {
  const dir = baseDir(cacheDir, key);
  const image = join(dir, 'data.img');
  let recorded: unknown;
  try {
    recorded = JSON.parse(await readFile(join(dir, 'base.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const state = await readState(dir, image, recorded);
  if (!state) await discard(dir);
  return state;
}

async function readState(dir: string, image: string, recorded: unknown): Promise<FlattenedBase | undefined> {
  try {
    const identity = identitySchema.safeParse(recorded);
    if (!identity.success || JSON.stringify(identity.data) !== JSON.stringify(await identityOf(image))) return undefined;
    const raw = deserialize(await readFile(join(dir, 'state.bin'))) as Record<string, unknown>;
    if (raw.version !== BASE_VERSION || !(raw.entries instanceof Map)) return undefined;
    const writer = raw.writer as Ext4WriterState;
    const entries = raw.entries as Map<string, IndexInode>;
    return { writer, index: new FlattenedIndex(entries), accounts: raw.accounts as AccountFiles, layers: raw.layers as number, sealedBy: raw.sealedBy as Digest, image };
  } catch {
    return undefined;
  }
}

async function discard(dir: string): Promise<void> {
  const aside = temporaryPathFor(dir);
  await rename(dir, aside).catch(() => undefined);
  await rm(aside, { recursive: true, force: true });
}
