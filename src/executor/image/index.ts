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
export { BlobStore, transferResumable } from './blob-store.js';
export type { TransferState } from './blob-store.js';
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

/** Where each resolved image's layers come from, and the registry clients, for one build. */
class SourceSet {
  readonly store: BlobStore;
  readonly logger: Logger;
  readonly locations = new Map<string, BlobLocation>();
  readonly clients = new Map<string, RegistryClient>();

  constructor(readonly options: ImageSourceOptions) {
    this.store = new BlobStore(options.cacheDir);
    this.logger = options.logger ?? silentLogger;
  }

  clientFor(registry: string): RegistryClient {
    let client = this.clients.get(registry);
    if (!client) {
      client = new RegistryClient(registry, {
        env: this.options.env ?? {},
        insecureRegistries: this.options.insecureRegistries ?? [],
        mirrors: this.options.mirrors ?? new Map(),
        logger: this.logger,
        ...(this.options.retry ? { retry: this.options.retry } : {}),
      });
      this.clients.set(registry, client);
    }
    return client;
  }

  async resolve(ref: ImageRef, resolveOptions: ResolveOptions): Promise<ResolvedImage> {
    if (ref.transport === 'oci-layout') {
      const { image, dir } = await resolveLayout(ref, resolveOptions.contextDir, resolveOptions.platform);
      this.locations.set(image.manifestDigest, { kind: 'layout', dir });
      return image;
    }
    if (ref.transport === 'registry') {
      const client = this.clientFor(ref.registry);
      const image = await resolveRegistry(ref, registryDocuments(client, ref.repository, this.store), this.store, resolveOptions.platform);
      this.locations.set(image.manifestDigest, { kind: 'registry', client, repository: ref.repository });
      this.logger.info({ image: `${ref.registry}/${ref.repository}`, digest: image.manifestDigest }, `resolved ${ref.registry}/${ref.repository}:${ref.tag ?? ''} to ${image.manifestDigest}`);
      return image;
    }
    const { image, file, layerFiles } = await resolveArchive(ref, resolveOptions.contextDir);
    this.locations.set(image.manifestDigest, { kind: 'archive', file, layerFiles });
    return image;
  }

  async resolveCached(ref: ImageRef, resolveOptions: ResolveOptions, pinned?: Digest): Promise<ResolvedImage | undefined> {
    const digest = ref.transport === 'docker-archive' ? undefined : (ref.digest ?? pinned);
    if (ref.transport !== 'registry') return this.resolve(ref.transport === 'oci-layout' && digest ? { ...ref, digest } : ref, resolveOptions);
    if (digest === undefined) return undefined;
    let image: ResolvedImage;
    try {
      image = await resolveRegistry({ ...ref, digest }, storedDocuments(this.store), this.store, resolveOptions.platform);
    } catch (error) {
      if (error instanceof NotStored) return undefined;
      throw error;
    }
    for (const layer of image.layers) if (!(await this.store.has(layer.digest, layer.size))) return undefined;
    this.locations.set(image.manifestDigest, { kind: 'registry', client: this.clientFor(ref.registry), repository: ref.repository });
    return { ...image, ref };
  }

  locate(image: ResolvedImage, index: number): { layer: ResolvedImage['layers'][number]; location: BlobLocation } {
    const layer = image.layers[index];
    const location = this.locations.get(image.manifestDigest);
    if (!layer || !location) throw new Error('openLayer: image was not resolved by these sources, or has no such layer');
    return { layer, location };
  }

  async download(image: ResolvedImage, index: number, onProgress?: (event: ProgressEvent) => void): Promise<void> {
    const { layer, location } = this.locate(image, index);
    if (location.kind !== 'registry') return;
    const report = onProgress ? (done: number) => onProgress({ digest: layer.digest, done, total: layer.size }) : undefined;
    const retry = this.options.retry;
    await this.store.fetchInto(layer.digest, layer.size, (offset) => location.client.blob(location.repository, layer.digest, offset), {
      ...(report ? { onBytes: report } : {}),
      ...(retry?.stallMs !== undefined ? { stallMs: retry.stallMs } : {}),
      ...(retry ? { attempts: retry.attempts } : {}),
    });
  }

  async openLayer(image: ResolvedImage, index: number, onProgress?: (event: ProgressEvent) => void): Promise<Readable> {
    const { layer, location } = this.locate(image, index);
    if (location.kind === 'layout') {
      const report = onProgress ? (done: number) => onProgress({ digest: layer.digest, done, total: layer.size }) : undefined;
      return uncompressedLayer(openLayoutBlob(location.dir, layer.digest), layer, report);
    }
    if (location.kind === 'archive') {
      const { stream, size } = await openArchiveLayer(location.file, location.layerFiles[index] as string);
      return uncompressedLayer(stream, { ...layer, size });
    }
    await this.download(image, index, onProgress);
    return uncompressedLayer(this.store.open(layer.digest), layer);
  }

  async prefetch(image: ResolvedImage, onProgress?: (event: ProgressEvent) => void, which?: readonly number[]): Promise<void> {
    const queue = [...(which ?? image.layers.map((_, i) => i))];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await this.download(image, next, onProgress);
    };
    await Promise.all(Array.from({ length: Math.max(1, this.options.concurrency ?? 3) }, worker));
  }
}

/** Creates the image sources. */
export function createImageSources(options: ImageSourceOptions): ImageSources {
  const set = new SourceSet(options);
  return {
    resolver: { resolve: (ref, resolveOptions) => set.resolve(ref, resolveOptions) },
    resolveCached: (ref, resolveOptions, pinned) => set.resolveCached(ref, resolveOptions, pinned),
    layers: {
      openLayer: (image, index, onProgress) => set.openLayer(image, index, onProgress),
      prefetch: (image, onProgress, which) => set.prefetch(image, onProgress, which),
    },
    store: set.store,
    client: (registry) => set.clientFor(registry),
  };
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
