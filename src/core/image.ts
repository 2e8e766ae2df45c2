/**
 * What the planner and the executor need to know about a base image, and the interfaces through
 * which image sources (registry, OCI layout, docker archive) provide it.
 */
import type { Readable } from 'node:stream';
import type { Digest } from './digest.js';
import type { ImageRef, Platform } from './build-spec.js';

/** One layer of a resolved image manifest. */
export interface LayerDescriptor {
  /** Digest of the blob as stored (compressed). */
  readonly digest: Digest;
  readonly mediaType: string;
  readonly size: number;
  /** Digest of the uncompressed tar (the config's `rootfs.diff_ids` entry). */
  readonly diffId: Digest;
}

/** The parts of an OCI image config that cube uses (`config` object of the config blob). */
export interface ImageConfig {
  readonly env: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly workingDir?: string;
  readonly user?: string;
  readonly exposedPorts: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/** The PATH Docker assumes when an image sets none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The PATH value of an environment list (`NAME=value`, last one wins), or Docker's default. */
export function pathOf(env: readonly string[]): string {
  const entry = [...env].reverse().find((e) => e.startsWith('PATH='));
  return entry ? entry.slice('PATH='.length) : DEFAULT_PATH;
}

/** An image reference resolved to exact, verified content. */
export interface ResolvedImage {
  /** The reference as written, normalised. */
  readonly ref: ImageRef;
  /** Digest of the index or manifest list the reference named, when it named one. */
  readonly indexDigest?: Digest;
  /** Digest of the platform-specific image manifest. */
  readonly manifestDigest: Digest;
  readonly configDigest: Digest;
  readonly platform: Platform;
  readonly layers: readonly LayerDescriptor[];
  readonly config: ImageConfig;
}

/** Options for resolving a reference. */
export interface ResolveOptions {
  /** Platform to select from an index; defaults to linux and the host's architecture. */
  readonly platform?: Platform;
  /** Directory that relative `oci-layout:`/`docker-archive:` paths are resolved against. */
  readonly contextDir: string;
  readonly signal?: AbortSignal;
}

/** Resolves references to digests and image configs (registry, OCI layout, docker archive). */
export interface ImageResolver {
  resolve(ref: ImageRef, options: ResolveOptions): Promise<ResolvedImage>;
}

/** Progress of one blob transfer, for the CLI to render. */
export interface ProgressEvent {
  readonly digest: Digest;
  readonly done: number;
  readonly total: number;
}

/** Gives the uncompressed, verified tar stream of each layer of a resolved image. */
export interface LayerSource {
  /**
   * Opens layer `index` of `image` as an uncompressed tar stream, verified against its diffId:
   * bytes that do not match make the stream fail instead of ending, so a stream that ends was
   * the layer.
   */
  openLayer(image: ResolvedImage, index: number, onProgress?: (event: ProgressEvent) => void): Promise<Readable>;
  /** Fetches the layers `which` (default all) ahead of reading them, concurrently where the source is remote. */
  prefetch?(image: ResolvedImage, onProgress?: (event: ProgressEvent) => void, which?: readonly number[]): Promise<void>;
  /**
   * A local file holding layer `index` uncompressed, when this process has verified its bytes
   * against the diffId and it has not changed since; else undefined. Members can then be read
   * at their offsets instead of streaming the whole layer.
   */
  storedLayer?(image: ResolvedImage, index: number): Promise<string | undefined>;
}
