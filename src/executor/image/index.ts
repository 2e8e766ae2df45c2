/**
 * Image sources: resolving `FROM` references to verified manifests and configs, and serving each
 * layer as a verified, uncompressed tar stream. `oci-layout:` reads a local OCI image layout;
 * registry references are pulled into the blob store (see registry.ts, blob-store.ts).
 */
import type { Readable } from 'node:stream';
import type { ImageRef } from '../../core/build-spec.js';
import type { ImageResolver, LayerSource, ProgressEvent, ResolvedImage, ResolveOptions } from '../../core/image.js';
import type { Digest } from '../../core/digest.js';
import type { Logger } from '../../core/log.js';
import { silentLogger } from '../../core/log.js';
import { BlobStore } from './blob-store.js';
import type { RetryPolicy } from './http.js';
import { uncompressedLayer } from './layer-stream.js';
import { openArchiveLayer, resolveArchive } from './docker-archive.js';
import { openLayoutBlob, resolveLayout } from './oci-layout.js';
import { readFile } from 'node:fs/promises';
import { RegistryClient, registryDocuments, resolveRegistry } from './registry.js';
import type { RegistryDocuments } from './registry.js';

export { hostPlatform, formatPlatform } from '../../core/platform.js';
export { layerCompression, MediaType } from './media-types.js';
export { BlobStore } from './blob-store.js';
export { isLoopback } from './registry.js';
export type { RegistryClient } from './registry.js';
export { RegistryPusher } from './push.js';

/** Options of {@link createImageSources}. */
export interface ImageSourceOptions {
  /** Cache directory: pulled blobs are kept under `<cacheDir>/blobs/sha256/`. */
  readonly cacheDir: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly logger?: Logger;
  /** Registries (host[:port]) that may be reached over plain HTTP; loopback always may. */
  readonly insecureRegistries?: readonly string[];
  /** Mirror origins per registry, tried first and never sent credentials. */
  readonly mirrors?: ReadonlyMap<string, readonly string[]>;
  /** Parallel blob downloads (default 3). */
  readonly concurrency?: number;
  readonly retry?: RetryPolicy;
}

/** The resolver and layer source for one build. */
export interface ImageSources {
  readonly resolver: ImageResolver;
  /**
   * Resolves without the network: local layouts and archives as `resolver` does, a registry
   * reference only when it names a digest (or `pinned` gives one) and the blob store holds its
   * manifest, config and every layer. Undefined when something is not there.
   */
  resolveCached(ref: ImageRef, options: ResolveOptions, pinned?: Digest): Promise<ResolvedImage | undefined>;
  readonly layers: LayerSource;
  readonly store: BlobStore;
  /** The client of a registry (host[:port]), with these sources' credentials, mirrors and retries. */
  client(registry: string): RegistryClient;
}

type BlobLocation =
  | { readonly kind: 'layout'; readonly dir: string }
  | { readonly kind: 'registry'; readonly client: RegistryClient; readonly repository: string }
  | { readonly kind: 'archive'; readonly file: string; readonly layerFiles: readonly string[] };

/** Creates the image sources. */
export function createImageSources(options: ImageSourceOptions): ImageSources {
  const logger = options.logger ?? silentLogger;
  const store = new BlobStore(options.cacheDir);
  const locations = new Map<string, BlobLocation>();
  const clients = new Map<string, RegistryClient>();
  const clientFor = (registry: string): RegistryClient => {
    let client = clients.get(registry);
    if (!client) {
      client = new RegistryClient(registry, {
        env: options.env ?? {},
        insecureRegistries: options.insecureRegistries ?? [],
        mirrors: options.mirrors ?? new Map(),
        logger,
        ...(options.retry ? { retry: options.retry } : {}),
      });
      clients.set(registry, client);
    }
    return client;
  };
  const resolver: ImageResolver = {
    async resolve(ref: ImageRef, resolveOptions: ResolveOptions): Promise<ResolvedImage> {
      if (ref.transport === 'oci-layout') {
        const { image, dir } = await resolveLayout(ref, resolveOptions.contextDir, resolveOptions.platform);
        locations.set(image.manifestDigest, { kind: 'layout', dir });
        return image;
      }
      if (ref.transport === 'registry') {
        const client = clientFor(ref.registry);
        const image = await resolveRegistry(ref, registryDocuments(client, ref.repository, store), store, resolveOptions.platform);
        locations.set(image.manifestDigest, { kind: 'registry', client, repository: ref.repository });
        logger.info({ image: `${ref.registry}/${ref.repository}`, digest: image.manifestDigest }, `resolved ${ref.registry}/${ref.repository}:${ref.tag ?? ''} to ${image.manifestDigest}`);
        return image;
      }
      const { image, file, layerFiles } = await resolveArchive(ref, resolveOptions.contextDir);
      locations.set(image.manifestDigest, { kind: 'archive', file, layerFiles });
      return image;
    },
  };
  const resolveCached = async (ref: ImageRef, resolveOptions: ResolveOptions, pinned?: Digest): Promise<ResolvedImage | undefined> => {
    const digest = ref.transport === 'docker-archive' ? undefined : (ref.digest ?? pinned);
    if (ref.transport !== 'registry') return resolver.resolve(ref.transport === 'oci-layout' && digest ? { ...ref, digest } : ref, resolveOptions);
    if (digest === undefined) return undefined;
    let image: ResolvedImage;
    try {
      image = await resolveRegistry({ ...ref, digest }, storedDocuments(store), store, resolveOptions.platform);
    } catch (error) {
      if (error instanceof NotStored) return undefined;
      throw error;
    }
    for (const layer of image.layers) if (!(await store.has(layer.digest, layer.size))) return undefined;
    locations.set(image.manifestDigest, { kind: 'registry', client: clientFor(ref.registry), repository: ref.repository });
    return { ...image, ref };
  };
  const locate = (image: ResolvedImage, index: number) => {
    const layer = image.layers[index];
    const location = locations.get(image.manifestDigest);
    if (!layer || !location) throw new Error('openLayer: image was not resolved by these sources, or has no such layer');
    return { layer, location };
  };
  const download = async (image: ResolvedImage, index: number, onProgress?: (event: ProgressEvent) => void): Promise<void> => {
    const { layer, location } = locate(image, index);
    if (location.kind !== 'registry') return;
    const report = onProgress ? (done: number) => onProgress({ digest: layer.digest, done, total: layer.size }) : undefined;
    await store.fetchInto(layer.digest, layer.size, (offset) => location.client.blob(location.repository, layer.digest, offset), {
      ...(report ? { onBytes: report } : {}),
      ...(options.retry?.stallMs !== undefined ? { stallMs: options.retry.stallMs } : {}),
      ...(options.retry ? { attempts: options.retry.attempts } : {}),
    });
  };
  const layers: LayerSource = {
    async openLayer(image: ResolvedImage, index: number, onProgress?: (event: ProgressEvent) => void): Promise<Readable> {
      const { layer, location } = locate(image, index);
      if (location.kind === 'layout') {
        const report = onProgress ? (done: number) => onProgress({ digest: layer.digest, done, total: layer.size }) : undefined;
        return uncompressedLayer(openLayoutBlob(location.dir, layer.digest), layer, report);
      }
      if (location.kind === 'archive') {
        const { stream, size } = await openArchiveLayer(location.file, location.layerFiles[index] as string);
        return uncompressedLayer(stream, { ...layer, size });
      }
      await download(image, index, onProgress);
      return uncompressedLayer(store.open(layer.digest), layer);
    },
    async prefetch(image: ResolvedImage, onProgress?: (event: ProgressEvent) => void, which?: readonly number[]): Promise<void> {
      const queue = [...(which ?? image.layers.map((_, i) => i))];
      const worker = async (): Promise<void> => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) await download(image, next, onProgress);
      };
      await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 3) }, worker));
    },
  };
  return { resolver, resolveCached, layers, store, client: clientFor };
}

/** A document the blob store does not hold; caught by `resolveCached`, never seen by a user. */
class NotStored extends Error {}

/** The blob store alone as a repository's documents: only digests it holds resolve. */
function storedDocuments(store: BlobStore): RegistryDocuments {
  return {
    async manifest(_reference, expected) {
      if (expected === undefined || !(await store.has(expected))) throw new NotStored();
      return { bytes: await readFile(store.path(expected)), mediaType: undefined, digest: expected };
    },
    async config(digest, size) {
      if (!(await store.has(digest, size))) throw new NotStored();
    },
  };
}
