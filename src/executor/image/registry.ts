/**
 * Pulling from registries (OCI distribution spec): manifests by tag or digest with the OCI and
 * Docker Accept types, indexes resolved for the platform, every document verified by hashing
 * its raw bytes (never by trusting Docker-Content-Digest), blobs fetched into the blob store
 * with resume. Mirrors are tried first, without credentials. Plain HTTP only for loopback
 * registries or ones the user names as insecure.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ImageRef, Platform } from '../../core/build-spec.js';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import type { CatalogEntry, MessageValues } from '../../core/diagnostics/index.js';
import { imageCodes } from '../../core/diagnostics/codes-image.js';
import { sha256Digest } from '../../core/digest.js';
import type { Digest } from '../../core/digest.js';
import type { ResolvedImage } from '../../core/image.js';
import type { Logger } from '../../core/log.js';
import { redactUrl } from '../../core/redact.js';
import type { BlobStore } from './blob-store.js';
import { findCredentials } from './credentials.js';
import { DEFAULT_RETRY, RegistrySession } from './http.js';
import type { RetryPolicy } from './http.js';
import { layerDescriptors, parseConfig, parseDocument, selectPlatform } from './manifest.js';
import { hostPlatform } from '../../core/platform.js';
import { MAX_MANIFEST_BYTES, MediaType } from './media-types.js';

const ACCEPT = [MediaType.ociIndex, MediaType.ociManifest, MediaType.dockerList, MediaType.dockerManifest, `${MediaType.dockerSchema1Signed};q=0.1`].join(', ');

type RegistryRef = Extract<ImageRef, { transport: 'registry' }>;

/** Options for registry access. */
export interface RegistryOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly insecureRegistries: readonly string[];
  /** Mirror origins per registry host (`docker.io` → [`https://mirror.example`]). */
  readonly mirrors: ReadonlyMap<string, readonly string[]>;
  readonly logger: Logger;
  readonly retry?: RetryPolicy;
}

/** Whether a registry host is on loopback, where Docker allows plain HTTP. */
export function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}

function fail<E extends CatalogEntry, K extends keyof E['messages'] & string>(entry: E, message: K, values: MessageValues<E['messages'][K]>): DiagnosticError {
  return new DiagnosticError(createDiagnostic(entry, message, values));
}

async function readCapped(response: Response, what: string): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_MANIFEST_BYTES) throw fail(imageCodes.badManifest, 'tooBig', { what, size: declared, limit: MAX_MANIFEST_BYTES });
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of Readable.fromWeb(response.body as WebReadableStream<Uint8Array>)) {
    total += (chunk as Buffer).length;
    if (total > MAX_MANIFEST_BYTES) throw fail(imageCodes.badManifest, 'tooBigStreamed', { what, limit: MAX_MANIFEST_BYTES });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** One registry (and its mirrors). */
export class RegistryClient {
  readonly #sessions: Promise<{ origin: RegistrySession; mirrors: RegistrySession[] }>;

  constructor(
    readonly registry: string,
    readonly options: RegistryOptions,
  ) {
    this.#sessions = this.#connect();
  }

  async #connect(): Promise<{ origin: RegistrySession; mirrors: RegistrySession[] }> {
    const host = this.registry === 'docker.io' ? 'registry-1.docker.io' : this.registry;
    const insecure = isLoopback(host) || this.options.insecureRegistries.includes(this.registry) || this.options.insecureRegistries.includes(host);
    const retry = this.options.retry ?? DEFAULT_RETRY;
    const credentials = await findCredentials(this.registry, this.options.env);
    const origin = new RegistrySession(`${insecure ? 'http' : 'https'}://${host}`, credentials, retry, this.options.logger);
    const mirrors = (this.options.mirrors.get(this.registry) ?? []).map((m) => {
      const url = new URL(m);
      if (url.protocol === 'http:' && !isLoopback(url.host) && !this.options.insecureRegistries.includes(url.host)) {
        throw fail(imageCodes.registryUnsupported, 'plainMirror', { mirror: redactUrl(m) });
      }
      return new RegistrySession(url.origin, undefined, retry, this.options.logger);
    });
    return { origin, mirrors };
  }

  /** Sends a GET through each mirror, then the registry; the first usable answer wins. */
  async #get(path: string, headers: Record<string, string>, repository: string): Promise<Response> {
    const { origin, mirrors } = await this.#sessions;
    const scope = `repository:${repository}:pull`;
    for (const mirror of mirrors) {
      try {
        const response = await mirror.request(path, { headers, scope });
        if (response.ok || response.status === 206) return response;
        await response.body?.cancel();
      } catch (error) {
        this.options.logger.debug({ mirror: mirror.origin, error: (error as Error).message }, 'mirror failed; trying the next source');
      }
    }
    return origin.request(path, { headers, scope });
  }

  #check(response: Response, what: string): void {
    if (response.ok || response.status === 206) return;
    if (response.status === 404) throw fail(imageCodes.notFound, 'missing', { registry: this.registry, what });
    if (response.status === 401 || response.status === 403) throw fail(imageCodes.authFailed, 'denied', { registry: this.registry, what, status: response.status });
    throw fail(imageCodes.transferFailed, 'status', { registry: this.registry, what, status: response.status });
  }

  /** Fetches a manifest or index; verifies it against `expected` when given. */
  async manifest(repository: string, reference: string, expected?: Digest): Promise<{ bytes: Buffer; mediaType: string | undefined; digest: Digest }> {
    const what = `manifest ${repository}:${reference}`;
    const response = await this.#get(`/v2/${repository}/manifests/${reference}`, { accept: ACCEPT }, repository);
    this.#check(response, what);
    const bytes = await readCapped(response, what);
    const digest = sha256Digest(bytes);
    if (expected !== undefined && digest !== expected) throw fail(imageCodes.digestMismatch, 'served', { what, expected, got: digest });
    return { bytes, mediaType: response.headers.get('content-type')?.split(';')[0] ?? undefined, digest };
  }

  /**
   * Opens blob bytes from `offset` (a Range request when offset > 0). A registry that ignores the
   * Range sends the whole blob (200): its first `offset` bytes are skipped, which is the same
   * as starting again from 0 (the digest of the whole is still checked at the end).
   */
  async blob(repository: string, digest: Digest, offset: number): Promise<Readable> {
    const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
    const response = await this.#get(`/v2/${repository}/blobs/${digest}`, headers, repository);
    this.#check(response, `blob ${digest}`);
    const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    return offset > 0 && response.status !== 206 ? Readable.from(skipBytes(offset)(body)) : body;
  }
}

/** Drops the first `count` bytes of a stream. */
function skipBytes(count: number): (source: AsyncIterable<Buffer>) => AsyncGenerator<Buffer> {
  return async function* (source) {
    let left = count;
    for await (const chunk of source) {
      if (left >= chunk.length) {
        left -= chunk.length;
        continue;
      }
      yield left > 0 ? chunk.subarray(left) : chunk;
      left = 0;
    }
  };
}

/** A manifest as fetched: its bytes, the media type it came with, and the digest of the bytes. */
export interface FetchedManifest {
  readonly bytes: Buffer;
  readonly mediaType: string | undefined;
  readonly digest: Digest;
}

/**
 * Where resolving reads a repository's manifests and config from: the registry (the config is
 * fetched into the store), or only the blob store, for work that must not reach the network.
 */
export interface RegistryDocuments {
  manifest(reference: string, expected?: Digest): Promise<FetchedManifest>;
  /** Makes the config blob available in the store. */
  config(digest: Digest, size: number): Promise<void>;
}

/** The registry as the source of a repository's documents. */
export function registryDocuments(client: RegistryClient, repository: string, store: BlobStore): RegistryDocuments {
  return {
    manifest: (reference, expected) => client.manifest(repository, reference, expected),
    config: (digest, size) => store.fetchInto(digest, size, (offset) => client.blob(repository, digest, offset)),
  };
}

/** Resolves a registry reference into a verified image; config and manifests land in the store. */
export async function resolveRegistry(ref: RegistryRef, documents: RegistryDocuments, store: BlobStore, platform: Platform | undefined): Promise<ResolvedImage> {
  const name = `${ref.registry}/${ref.repository}`;
  const reference = ref.digest ?? ref.tag ?? 'latest';
  const top = await documents.manifest(reference, ref.digest);
  let doc = parseDocument(top.bytes, top.mediaType, `${name}:${reference}`);
  let manifestDigest = top.digest;
  let indexDigest: Digest | undefined;
  await store.put(top.digest, top.bytes);
  if (doc.kind === 'index') {
    indexDigest = top.digest;
    const picked = selectPlatform(doc.manifests, platform ?? hostPlatform(), `${name}:${reference}`);
    const inner = await documents.manifest(picked.digest, picked.digest);
    await store.put(inner.digest, inner.bytes);
    doc = parseDocument(inner.bytes, picked.mediaType ?? inner.mediaType, `${name}@${picked.digest}`);
    if (doc.kind !== 'manifest') throw fail(imageCodes.badManifest, 'indexInIndex', { what: `${name}@${picked.digest}` });
    manifestDigest = inner.digest;
  }
  if (doc.kind !== 'manifest') throw fail(imageCodes.badManifest, 'notManifest', { what: `${name}:${reference}` });
  const configDescriptor = doc.config;
  await documents.config(configDescriptor.digest, configDescriptor.size);
  const chunks: Buffer[] = [];
  for await (const chunk of store.open(configDescriptor.digest)) chunks.push(chunk as Buffer);
  const { config, diffIds, platform: imagePlatform } = parseConfig(Buffer.concat(chunks), `${name} config`);
  return {
    ref,
    ...(indexDigest ? { indexDigest } : {}),
    manifestDigest,
    configDigest: configDescriptor.digest,
    platform: imagePlatform,
    layers: layerDescriptors(doc.layers, diffIds, name),
    config,
  };
}
