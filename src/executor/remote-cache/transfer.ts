/**
 * Moving one artifact: pushing it (image chunks, then the other parts and the config, the
 * manifest last, so a manifest never names a blob the registry lacks and a push cut short
 * leaves nothing a reader finds), and reading its manifest back as the artifact it must be.
 */
import { sha256Digest } from '../../core/digest.js';
import type { Digest } from '../../core/digest.js';
import { DiagnosticError } from '../../core/diagnostics/index.js';
import { imageCodes } from '../../core/diagnostics/codes-image.js';
import { MediaType } from '../image/index.js';
import type { RegistryPusher } from '../image/index.js';
import { artifactManifest, parseArtifact } from './artifact.js';
import type { ArtifactManifest, Blob, Chunk } from './artifact.js';
import { uploadImage } from './chunks.js';
import type { ChunkSource } from './chunks.js';

/** Where a repository lives: `registry.example/team/cube-cache`. */
export interface RepositoryRef {
  readonly registry: string;
  readonly repository: string;
}

/** A repository as people write it. */
export function repositoryText(ref: RepositoryRef): string {
  return `${ref.registry}/${ref.repository}`;
}

/** An artifact to push. */
export interface ArtifactParts {
  readonly artifactType: string;
  readonly config: Blob;
  /** rootfs.ext4 and its size. */
  readonly image: { readonly path: string; readonly size: number };
  /** Parts after the image's chunks (plan.json, launch.json). */
  readonly parts: readonly Blob[];
  readonly annotations: Record<string, string>;
}

/** Pushes an artifact and tags it with each of `tags` (none: by digest only); returns its digest. */
export async function pushArtifact(pusher: RegistryPusher, artifact: ArtifactParts, tags: readonly string[]): Promise<Digest> {
  const chunks = await uploadImage(pusher, artifact.image.path, artifact.image.size);
  for (const blob of [...artifact.parts, artifact.config]) await pusher.pushBlob(blob.descriptor.digest, blob.bytes);
  const manifest = artifactManifest(artifact.artifactType, artifact.config.descriptor, [...chunks, ...artifact.parts.map((p) => p.descriptor)], artifact.annotations);
  const references = tags.length > 0 ? tags : [sha256Digest(manifest)];
  for (const reference of references) await pusher.pushManifest(reference, manifest, MediaType.ociManifest);
  return sha256Digest(manifest);
}

/** An artifact's manifest as read, with its image chunks. */
export interface FetchedArtifact {
  readonly digest: Digest;
  readonly manifest: ArtifactManifest;
  readonly chunks: Chunk[];
  readonly size: number;
}

/**
 * Reads the manifest under `reference` (a tag or a digest, which it is then checked against) as
 * an artifact of `artifactType`; undefined when the repository has no such manifest.
 */
export async function fetchArtifact(source: ChunkSource, reference: string, artifactType: string, where: string): Promise<FetchedArtifact | undefined> {
  let fetched;
  try {
    fetched = await source.client.manifest(source.repository, reference, reference.startsWith('sha256:') ? (reference as Digest) : undefined);
  } catch (error) {
    if (error instanceof DiagnosticError && error.diagnostics.every((d) => d.code === imageCodes.notFound.code)) return undefined;
    throw error;
  }
  return { digest: fetched.digest, ...parseArtifact(fetched.bytes, artifactType, where) };
}
