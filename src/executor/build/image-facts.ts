/**
 * The facts of a base image before the build file changes it: its flattened index and its
 * /etc/passwd and /etc/group, which the checks that run before sealing (USER, the command, /bin/sh,
 * SEAL SIZE) look things up in. Computing them reads every layer's headers once; they are kept
 * in the cache by manifest digest, so checking the same image again reads one small file. The
 * index read here is handed to sealing in the same process (takeIndexedLayers).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResolvedImage, LayerSource } from '../../core/image.js';
import { writeFileAtomic } from '../../core/paths.js';
import { FlattenedIndex, imageLayers, indexLayers, readTreeFiles } from '../flatten/index.js';
import type { FlattenLimits, IndexInode } from '../flatten/index.js';
import { cachingLayerSource } from './layer-cache.js';
import { factsFromJson, factsToJson } from './rootfs-facts.js';
import type { RootfsFacts } from './rootfs-facts.js';

/** Where the facts of the image with manifest `digest` are kept. */
function factsPath(cacheDir: string, image: ResolvedImage): string {
  return join(cacheDir, 'image-facts', `${image.manifestDigest.slice('sha256:'.length)}.json`);
}

/** A flattened index made in this process, by manifest digest, for sealing to take instead of reading the layers again. */
const indexed = new Map<string, { readonly entries: Map<string, IndexInode>; readonly warnings: readonly string[] }>();

/**
 * The flattened index of `image`'s layers if the checks of this process already read it (the
 * layers' headers are then not read a second time), with what reading them warned of. Taken:
 * a second call gets nothing.
 */
export function takeIndexedLayers(image: ResolvedImage): { readonly index: FlattenedIndex; readonly warnings: readonly string[] } | undefined {
  const kept = indexed.get(image.manifestDigest);
  if (!kept) return undefined;
  indexed.delete(image.manifestDigest);
  return { index: new FlattenedIndex(kept.entries), warnings: kept.warnings };
}

/** The base image's facts, from the cache or read from its layers (and then kept). */
export async function baseImageFacts(image: ResolvedImage, layers: LayerSource, cacheDir: string, limits?: FlattenLimits): Promise<RootfsFacts> {
  const path = factsPath(cacheDir, image);
  const kept = factsFromJson(await readFile(path, 'utf8').catch(() => ''));
  if (kept) return kept;
  const source = imageLayers(image, cachingLayerSource(layers, cacheDir));
  const warnings: string[] = [];
  const index = await indexLayers(source, { warn: (message) => warnings.push(message), ...(limits ? { limits } : {}) });
  // A copy as read, before the checks apply the build's steps to it. The map alone is copied:
  // inodes are never changed, only replaced, so sharing them keeps hard links as they are.
  indexed.set(image.manifestDigest, { entries: new Map(index.entries()), warnings });
  const files = await readTreeFiles(source, index, ['/etc/passwd', '/etc/group']);
  const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8'));
  const passwd = text(files.get('/etc/passwd'));
  const group = text(files.get('/etc/group'));
  const facts: RootfsFacts = { index, accounts: { ...(passwd !== undefined ? { passwd } : {}), ...(group !== undefined ? { group } : {}) } };
  // Keeping them is an optimisation: a cache that cannot be written costs only time.
  await writeFileAtomic(path, factsToJson(facts)).catch(() => undefined);
  return facts;
}
