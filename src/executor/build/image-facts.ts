/**
 * The facts of a base image before the build file changes it: its flattened index and its
 * /etc/passwd and /etc/group, which the checks that run before sealing (USER, the command, /bin/sh,
 * SEAL SIZE) look things up in. Computing them reads every layer's headers once; they are kept
 * in the cache by manifest digest, so checking the same image again reads one small file.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResolvedImage, LayerSource } from '../../core/image.js';
import { writeFileAtomic } from '../../core/paths.js';
import { imageLayers, indexLayers, readTreeFiles } from '../flatten/index.js';
import type { FlattenLimits } from '../flatten/index.js';
import { cachingLayerSource } from './layer-cache.js';
import { factsFromJson, factsToJson } from './rootfs-facts.js';
import type { RootfsFacts } from './rootfs-facts.js';

/** Where the facts of the image with manifest `digest` are kept. */
function factsPath(cacheDir: string, image: ResolvedImage): string {
  return join(cacheDir, 'image-facts', `${image.manifestDigest.slice('sha256:'.length)}.json`);
}

/** The base image's facts, from the cache or read from its layers (and then kept). */
export async function baseImageFacts(image: ResolvedImage, layers: LayerSource, cacheDir: string, limits?: FlattenLimits): Promise<RootfsFacts> {
  const path = factsPath(cacheDir, image);
  const kept = factsFromJson(await readFile(path, 'utf8').catch(() => ''));
  if (kept) return kept;
  const source = imageLayers(image, cachingLayerSource(layers, cacheDir));
  const index = await indexLayers(source, limits ? { limits } : {});
  const files = await readTreeFiles(source, index, ['/etc/passwd', '/etc/group']);
  const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8'));
  const passwd = text(files.get('/etc/passwd'));
  const group = text(files.get('/etc/group'));
  const facts: RootfsFacts = { index, accounts: { ...(passwd !== undefined ? { passwd } : {}), ...(group !== undefined ? { group } : {}) } };
  // Keeping them is an optimisation: a cache that cannot be written costs only time.
  await writeFileAtomic(path, factsToJson(facts)).catch(() => undefined);
  return facts;
}
