/**
 * Sealed rootfs images in the cache, keyed by the seal node's id. An entry is a directory holding
 * `rootfs.ext4`, `facts.json`, `origins.json` (see origins.ts) and `entry.json`; it is assembled under a temporary name and
 * renamed into place whole, so a reader sees a complete entry or none. `entry.json` records the
 * image's digest and size; an entry whose files disagree with it is reported corrupt and rebuilt.
 * Beside them, `launch/<manifest id>.json` keeps each launch manifest computed from the image,
 * so a build whose manifest node is unchanged reads it instead of computing it again.
 */
import { link, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { digestSchema, sha256File } from '../../core/digest.js';
import type { Digest } from '../../core/digest.js';
import { syncDirectory, temporaryPathFor, touch, writeFileAtomic } from '../../core/paths.js';
import { CUBE_VERSION } from '../../core/version.js';
import type { Ext4Result } from '../ext4/index.js';
import { launchManifestSchema } from '../launch/index.js';
import type { LaunchManifest } from '../launch/index.js';
import { copyAndHash, isDense } from './image-copy.js';
import { outputIs, recordOutput } from './output-record.js';
import { factsFromJson, factsToJson } from './rootfs-facts.js';
import { originsFromJson, originsToJson } from './origins.js';
import type { Origins } from './origins.js';
import type { RootfsFacts } from './rootfs-facts.js';

/** A complete cache entry. Its facts are read only when a launch manifest must be computed. */
export interface CachedArtifact {
  readonly dir: string;
  readonly rootfs: string;
  readonly sha256: Digest;
  readonly ext4: Ext4Result;
}

/** The outcome of a lookup: a usable entry, nothing, or an entry that failed its checks. */
export type CacheLookup = { readonly state: 'hit'; readonly artifact: CachedArtifact } | { readonly state: 'missing' } | { readonly state: 'corrupt'; readonly reason: string };

/** The layout of an entry (entry.json, facts.json, origins.json); bumped when any of them changes. */
const ENTRY_VERSION = 3;

const entrySchema = z.object({
  version: z.literal(ENTRY_VERSION),
  sealId: z.string(),
  sha256: digestSchema,
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
  for (const name of ['facts.json', 'origins.json']) {
    if (!(await stat(join(dir, name)).then((s) => s.isFile(), () => false))) return { state: 'corrupt', reason: `${name} is missing` };
  }
  await touch(dir);
  return { state: 'hit', artifact: { dir, rootfs, sha256: entry.sha256 as Digest, ext4: entry.ext4 } };
}

/** The facts of an entry's tree; undefined when `facts.json` is missing or not valid. */
export async function readFacts(artifact: CachedArtifact): Promise<RootfsFacts | undefined> {
  return factsFromJson(await readFile(join(artifact.dir, 'facts.json'), 'utf8').catch(() => ''));
}

/** Where an entry's paths came from; undefined when `origins.json` is missing, not valid or for another image. */
export async function readOrigins(artifact: CachedArtifact, sealId: Digest): Promise<Origins | undefined> {
  const origins = originsFromJson(await readFile(join(artifact.dir, 'origins.json'), 'utf8').catch(() => ''));
  return origins?.seal === sealId ? origins : undefined;
}

function launchPath(artifact: CachedArtifact, manifestId: Digest): string {
  return join(artifact.dir, 'launch', `${manifestId.slice('sha256:'.length)}.json`);
}

/**
 * The launch manifest computed earlier for node `manifestId` over this image, if it is there,
 * valid, names that node and was written by this version of cube (the one field no node id
 * covers).
 */
export async function readCachedLaunch(artifact: CachedArtifact, manifestId: Digest): Promise<LaunchManifest | undefined> {
  const text = await readFile(launchPath(artifact, manifestId), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = launchManifestSchema.safeParse(json);
  if (!parsed.success || parsed.data.producedBy !== manifestId || parsed.data.cubeVersion !== CUBE_VERSION) return undefined;
  return parsed.data;
}

/** Keeps a computed launch manifest with the image it describes. */
export async function writeCachedLaunch(artifact: CachedArtifact, manifestId: Digest, manifest: LaunchManifest): Promise<void> {
  await mkdir(join(artifact.dir, 'launch'), { recursive: true });
  await writeFileAtomic(launchPath(artifact, manifestId), JSON.stringify(manifest, null, 2) + '\n');
}

/** A staging directory for a new entry; the image is written into it, then {@link commitArtifact}. */
export async function stageArtifact(cacheDir: string, sealId: Digest): Promise<{ dir: string; rootfs: string }> {
  const dir = temporaryPathFor(artifactDir(cacheDir, sealId));
  await mkdir(dir, { recursive: true });
  return { dir, rootfs: join(dir, 'rootfs.ext4') };
}

/**
 * Completes a staged entry: writes facts and entry (last, fsynced), and renames the directory
 * into place. The image is not fsynced: it is hashed whenever it is copied into an output, and
 * records of what is already in an output are not trusted after a reboot (output-record.ts), so
 * bytes a crash lost are found, never used. A complete entry already there with the same image (another process
 * sealed the same node at the same time) is kept, untouched, for whoever is reading it; any
 * other entry there (corrupt, or from another layout) is moved aside first and then removed.
 */
export async function commitArtifact(
  cacheDir: string,
  staged: { dir: string; rootfs: string },
  sealId: Digest,
  result: { sha256: Digest; ext4: Ext4Result; facts: RootfsFacts; origins: Origins },
): Promise<CachedArtifact> {
  await stageDocuments(staged, result);
  return commitStaged(cacheDir, staged, sealId, result);
}

/** Writes a staged entry's facts and origins, which need no digest of the image: they can be written while it is hashed. */
export async function stageDocuments(staged: { dir: string }, documents: { facts: RootfsFacts; origins: Origins }): Promise<void> {
  await writeFileAtomic(join(staged.dir, 'facts.json'), factsToJson(documents.facts));
  await writeFileAtomic(join(staged.dir, 'origins.json'), originsToJson(documents.origins));
}

/** {@link commitArtifact} for an entry whose documents are staged already ({@link stageDocuments}). */
export async function commitStaged(cacheDir: string, staged: { dir: string; rootfs: string }, sealId: Digest, result: { sha256: Digest; ext4: Ext4Result }): Promise<CachedArtifact> {
  const entry = { version: ENTRY_VERSION, sealId, sha256: result.sha256, ext4: result.ext4 };
  await writeFileAtomic(join(staged.dir, 'entry.json'), JSON.stringify(entry, null, 2) + '\n');
  const dir = artifactDir(cacheDir, sealId);
  const keepExisting = async (): Promise<CachedArtifact | undefined> => {
    const existing = await lookupArtifact(cacheDir, sealId);
    if (existing.state !== 'hit' || existing.artifact.sha256 !== result.sha256) return undefined;
    // Facts and origins are checked only when read; an entry with either broken is replaced, not kept.
    if (!(await readFacts(existing.artifact)) || !(await readOrigins(existing.artifact, sealId))) return undefined;
    await rm(staged.dir, { recursive: true, force: true });
    return existing.artifact;
  };
  const kept = await keepExisting();
  if (kept) return kept;
  const aside = temporaryPathFor(dir);
  const movedAside = await rename(dir, aside).then(
    () => true,
    () => false,
  );
  try {
    await rename(staged.dir, dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    // Another process put its entry in place between our look and our rename.
    const won = await keepExisting();
    if (!won) throw error;
    return won;
  } finally {
    if (movedAside) await rm(aside, { recursive: true, force: true });
  }
  await syncDirectory(join(cacheDir, 'artifacts'));
  return { dir, rootfs: join(dir, 'rootfs.ext4'), sha256: result.sha256, ext4: result.ext4 };
}

/** Removes a staged entry after a failed build. */
export async function discardStaged(staged: { dir: string }): Promise<void> {
  await rm(staged.dir, { recursive: true, force: true });
}

/** A cached image whose bytes are not the ones its entry records: the entry must go. */
export class ArtifactMismatch extends Error {
  constructor(
    readonly artifact: CachedArtifact,
    readonly got: Digest,
  ) {
    super(`the cached rootfs.ext4 hashes to ${got}, not the ${artifact.sha256} its entry records`);
  }
}

/** Why a hard link cannot be made where a copy can: another filesystem, or one without links. */
const CANNOT_LINK = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * Puts the entry's image at `temporary`: a hard link to it, so the image is written once whatever
 * the number of outputs; where that cannot be (another filesystem), a copy (a reflink where the
 * filesystem supports one). Unless `verified` (its digest was just taken from these very bytes),
 * the bytes are hashed and checked against the entry: the link shares them with every output
 * that holds it, and one edited in place edited the entry too.
 */
async function linkOrCopy(artifact: CachedArtifact, temporary: string, verified: boolean): Promise<'linked' | 'copied'> {
  const linked = await link(artifact.rootfs, temporary).then(
    () => true,
    (error: unknown) => {
      if (CANNOT_LINK.has((error as NodeJS.ErrnoException).code ?? '')) return false;
      throw error;
    },
  );
  const got = linked ? (verified ? artifact.sha256 : await sha256File(temporary)) : await copyAndHash(artifact.rootfs, temporary, isDense(artifact.ext4));
  if (got !== artifact.sha256) throw new ArtifactMismatch(artifact, got);
  return linked ? 'linked' : 'copied';
}

/**
 * Places the cached image at `target`: nothing to do when `target` is, untouched, this image as
 * cube last placed it there (see output-record.ts); else the entry's image linked (or copied) to
 * a temporary name beside `target`, checked, renamed into place and recorded. A mismatch throws
 * {@link ArtifactMismatch} and leaves `target` as it was.
 */
export async function placeArtifact(cacheDir: string, artifact: CachedArtifact, target: string, verified = false): Promise<'unchanged' | 'linked' | 'copied'> {
  if (await outputIs(cacheDir, target, artifact.sha256)) return 'unchanged';
  const temporary = temporaryPathFor(target);
  try {
    const how = await linkOrCopy(artifact, temporary, verified);
    await rename(temporary, target);
    // When `target` already was this very file, rename(2) leaves both names in place.
    await rm(temporary, { force: true });
    await syncDirectory(dirname(target));
    await recordOutput(cacheDir, target, artifact.sha256);
    return how;
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Moves a bad entry out of the way (renamed first, so no reader opens it again), then removes it. */
export async function discardArtifact(artifact: CachedArtifact): Promise<void> {
  const aside = temporaryPathFor(artifact.dir);
  await rename(artifact.dir, aside).catch(() => undefined);
  await rm(aside, { recursive: true, force: true });
}
