/**
 * Pushing to a registry (OCI distribution spec): a blob already there is found with HEAD and not
 * sent again; a new one is uploaded monolithically (POST for an upload session, one PUT with the
 * bytes and the digest), so the registry checks the digest before it keeps anything; manifests
 * go last, with PUT, so a reader never finds a manifest whose blobs are missing. Everything goes
 * to the registry itself, never a mirror, with a token scoped `pull,push`.
 */
import { sha256Digest } from '../../core/digest.js';
import type { Digest } from '../../core/digest.js';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { imageCodes } from '../../core/diagnostics/codes-image.js';
import { MediaType } from './media-types.js';
import { failedResponse } from './registry.js';
import type { RegistryClient } from './registry.js';

/** Upload sessions tried for one blob before the push fails (a registry may drop a session). */
const UPLOAD_ATTEMPTS = 3;

/** Writes blobs and manifests into one repository of a registry. */
export class RegistryPusher {
  readonly #scope: string;

  constructor(
    readonly client: RegistryClient,
    readonly repository: string,
  ) {
    this.#scope = `repository:${repository}:pull,push`;
  }

  /** Whether the repository holds blob `digest` (HEAD). */
  async hasBlob(digest: Digest): Promise<boolean> {
    return this.#exists(`/v2/${this.repository}/blobs/${digest}`, `blob ${digest}`);
  }

  /** Whether the repository has a manifest under `reference` (a tag or digest). */
  async hasManifest(reference: string): Promise<boolean> {
    return this.#exists(`/v2/${this.repository}/manifests/${reference}`, `manifest ${reference}`, { accept: MediaType.ociManifest });
  }

  /** Uploads `bytes` as blob `digest` unless the repository has it; says which it was. */
  async pushBlob(digest: Digest, bytes: Uint8Array): Promise<'uploaded' | 'present'> {
    if (await this.hasBlob(digest)) return 'present';
    const session = await this.client.origin();
    let problem: DiagnosticError | undefined;
    for (let attempt = 0; attempt < UPLOAD_ATTEMPTS; attempt++) {
      const start = await session.request(`/v2/${this.repository}/blobs/uploads/`, { method: 'POST', scope: this.#scope });
      await start.body?.cancel();
      const location = start.headers.get('location');
      if (start.status !== 202 || !location) throw failedResponse(this.client.registry, start.status === 202 ? 500 : start.status, `upload of blob ${digest}`);
      const url = new URL(location, session.origin);
      url.searchParams.set('digest', digest);
      const put = await session.request(url.href, {
        method: 'PUT',
        scope: this.#scope,
        headers: { 'content-type': 'application/octet-stream' },
        body: bytes,
      });
      await put.body?.cancel();
      if (put.status === 201) return 'uploaded';
      problem = failedResponse(this.client.registry, put.status, `upload of blob ${digest}`);
      // A session the registry lost (404) or a digest it refused (400) is retried once more afresh.
      if (put.status !== 404 && put.status !== 400) break;
    }
    throw problem as DiagnosticError;
  }

  /** Puts a manifest under `reference` (a tag, or its own digest); returns its digest. */
  async pushManifest(reference: string, bytes: Uint8Array, mediaType: string): Promise<Digest> {
    const session = await this.client.origin();
    const response = await session.request(`/v2/${this.repository}/manifests/${reference}`, { method: 'PUT', scope: this.#scope, headers: { 'content-type': mediaType }, body: bytes });
    await response.body?.cancel();
    if (response.status !== 201) throw failedResponse(this.client.registry, response.status, `manifest ${this.repository}:${reference}`);
    const digest = sha256Digest(bytes);
    const named = response.headers.get('docker-content-digest');
    if (named && named !== digest) {
      throw new DiagnosticError(createDiagnostic(imageCodes.digestMismatch, 'stored', { registry: this.client.registry, what: `${this.repository}:${reference}`, named, digest }));
    }
    return digest;
  }

  async #exists(path: string, what: string, headers: Record<string, string> = {}): Promise<boolean> {
    const session = await this.client.origin();
    const response = await session.request(path, { method: 'HEAD', scope: this.#scope, headers });
    await response.body?.cancel();
    if (response.ok) return true;
    if (response.status === 404) return false;
    throw failedResponse(this.client.registry, response.status, what);
  }
}
