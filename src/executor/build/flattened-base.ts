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
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import { sha256Digest } from '../../core/digest.js';
import type { Digest } from '../../core/digest.js';
import { syncDirectory, temporaryPathFor, touch, writeFileAtomic } from '../../core/paths.js';
import type { Ext4WriterState } from '../ext4/index.js';
import { BLOCK_SIZE } from '../ext4/format/index.js';
import { superblockRegions } from '../ext4/index.js';
import { FlattenedIndex } from '../flatten/index.js';
import type { IndexInode } from '../flatten/index.js';
import type { Plan } from '../../planner/index.js';
import type { AccountFiles } from '../launch/index.js';
import type { ByteObserver } from './image-copy.js';

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

/** The key of the plan's flattened base (see flattened-base.ts), from its rootfs and seal nodes. */
export function baseKeyOf(plan: Plan): Digest | undefined {
  const rootfs = plan.nodes.find((node) => node.kind === 'rootfs');
  const seal = plan.nodes.find((node) => node.id === plan.roots.seal);
  const params = seal?.params as { epoch?: unknown; holes?: unknown; writer?: unknown } | undefined;
  if (!rootfs || typeof params?.epoch !== 'number' || typeof params.writer !== 'number') return undefined;
  return baseKey({ rootfs: rootfs.id, epoch: params.epoch, holes: params.holes === true, writer: params.writer });
}

/** Whether the cache has a base under `key` that looks usable (its state is not read). */
export async function hasBase(cacheDir: string, key: Digest): Promise<boolean> {
  return typeof (await recordedChecksum(baseDir(cacheDir, key))) === 'number';
}

/**
 * The checksum base.json records for the base in `dir` when data.img still is the file it names;
 * undefined when it is not (or base.json is not valid); `absent` when there is no base.json.
 */
async function recordedChecksum(dir: string): Promise<number | undefined | 'absent'> {
  let text: string;
  try {
    text = await readFile(join(dir, 'base.json'), 'utf8');
  } catch {
    return 'absent';
  }
  try {
    const parsed = recordSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return undefined;
    const { checksum, ...identity } = parsed.data;
    return JSON.stringify(identity) === JSON.stringify(await identityOf(join(dir, 'data.img'))) ? checksum : undefined;
  } catch {
    return undefined;
  }
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

/** A base found in the cache: its state, the image whose blocks it points at, and their checksum. */
export interface FlattenedBase extends BaseState {
  readonly image: string;
  readonly checksum: number;
  /** The base's directory in the cache, for {@link discardBase}. */
  readonly dir: string;
}

/**
 * Which file data.img must still be, and the checksum of its data. Not the change time: that
 * moves whenever the artifact sharing the file is pruned (its link count changes).
 */
const recordSchema = z.object({ version: z.literal(BASE_VERSION), ino: z.number(), size: z.number(), mtimeNs: z.string(), checksum: z.number().int() }).strict();
type BaseRecord = z.infer<typeof recordSchema>;

function baseDir(cacheDir: string, key: Digest): string {
  return join(cacheDir, 'bases', key.replace(':', '-'));
}

async function identityOf(path: string): Promise<Omit<BaseRecord, 'checksum'>> {
  const s = await stat(path, { bigint: true });
  return { version: BASE_VERSION, ino: Number(s.ino), size: Number(s.size), mtimeNs: String(s.mtimeNs) };
}

/** A base's state serialised, and where its data ends. */
export interface CapturedBase {
  readonly state: Buffer;
  readonly next: number;
}

/** Serialises a base's state now (the writer's tree changes with the next call), for {@link keepBase}. */
export function captureBase(state: BaseState): CapturedBase {
  const bytes = serialize({ version: BASE_VERSION, writer: state.writer, entries: state.index.entries(), accounts: state.accounts, layers: state.layers, sealedBy: state.sealedBy });
  return { state: bytes, next: state.writer.next };
}

/**
 * A checksum (CRC-32) of an image's base data, fed the image's bytes in order: the bytes below
 * block `next` outside the superblock regions. The same in the image that recorded the base and
 * in every image made from it, so an image made from a base whose data changed on disk is found.
 */
export function baseDataChecksum(next: number): { readonly see: ByteObserver; value(): number } {
  const end = next * BLOCK_SIZE;
  const data: [number, number][] = [];
  let at = 0;
  for (const [start, stop] of superblockRegions(next)) {
    if (start > at) data.push([at, start]);
    at = stop;
  }
  if (end > at) data.push([at, end]);
  let crc = 0;
  return {
    see: (chunk, offset) => {
      for (const [start, stop] of data) {
        const from = Math.max(start, offset);
        const to = Math.min(stop, offset + chunk.length);
        if (from < to) crc = crc32(chunk.subarray(from - offset, to - offset), crc);
      }
    },
    value: () => crc,
  };
}

/**
 * Keeps a captured base with `image` (a sealed image that is not written again). Replaces any
 * base under the same key. Failing to keep one is no error for the build: the caller logs it.
 */
export async function keepBase(cacheDir: string, key: Digest, captured: CapturedBase, checksum: number, image: string): Promise<void> {
  const dir = baseDir(cacheDir, key);
  const staged = temporaryPathFor(dir);
  await mkdir(staged, { recursive: true });
  try {
    await writeFileAtomic(join(staged, 'state.bin'), captured.state);
    await link(image, join(staged, 'data.img'));
    const record: BaseRecord = { ...(await identityOf(join(staged, 'data.img'))), checksum };
    await writeFileAtomic(join(staged, 'base.json'), JSON.stringify(record) + '\n');
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
  const checksum = await recordedChecksum(dir);
  if (checksum === 'absent') return undefined;
  const state = checksum === undefined ? undefined : await readState(dir, checksum);
  if (!state) await discardBase({ dir });
  // Used now: `cube cache prune` keeps what builds use.
  else await touch(dir).catch(() => undefined);
  return state;
}

/** The state in `dir`, or undefined when state.bin is not a state this version reads. */
async function readState(dir: string, checksum: number): Promise<FlattenedBase | undefined> {
  const image = join(dir, 'data.img');
  try {
    const raw = deserialize(await readFile(join(dir, 'state.bin'))) as Record<string, unknown>;
    if (raw.version !== BASE_VERSION || !(raw.entries instanceof Map)) return undefined;
    const writer = raw.writer as Ext4WriterState;
    const entries = raw.entries as Map<string, IndexInode>;
    return { writer, index: new FlattenedIndex(entries), accounts: raw.accounts as AccountFiles, layers: raw.layers as number, sealedBy: raw.sealedBy as Digest, image, checksum, dir };
  } catch {
    return undefined;
  }
}

/** Removes a base (renamed aside first, so no build starts from it again). */
export async function discardBase({ dir }: { readonly dir: string }): Promise<void> {
  const aside = temporaryPathFor(dir);
  await rename(dir, aside).catch(() => undefined);
  await rm(aside, { recursive: true, force: true });
}
