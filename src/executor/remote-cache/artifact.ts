/**
 * The OCI 1.1 artifacts cube keeps in registries, and their media types: a sealed rootfs (the
 * remote cache's entry for a seal node) and a template (a build's output directory, for
 * `cube push`/`cube pull`). Both carry the image as zstd chunks in order, each chunk's offset and
 * length as annotations, so the parts transfer in parallel and the whole is checked at the end.
 */
import { z } from 'zod';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import type { MessageValues } from '../../core/diagnostics/index.js';
import { imageCodes } from '../../core/diagnostics/codes-image.js';
import { digestSchema, sha256Digest } from '../../core/digest.js';
import type { Digest } from '../../core/digest.js';
import { MediaType } from '../image/index.js';

/** Artifact and part media types. */
export const CubeMediaType = {
  /** A sealed rootfs in the remote cache, tagged by its seal node. */
  rootfs: 'application/vnd.cube.rootfs.v1',
  /** A build's output directory, as `cube push` publishes it. */
  template: 'application/vnd.cube.template.v1',
  /** A rootfs entry's config: the image's digest, its ext4 geometry and the facts of its tree. */
  rootfsConfig: 'application/vnd.cube.rootfs.config.v1+json',
  /** One piece of rootfs.ext4, compressed as one zstd frame. */
  chunk: 'application/vnd.cube.rootfs.chunk.v1+zstd',
  plan: 'application/vnd.cube.plan.v1+json',
  launch: 'application/vnd.cube.launch.v1+json',
  /** OCI 1.1's empty config, for an artifact with nothing to say there. */
  empty: 'application/vnd.oci.empty.v1+json',
} as const;

/** Annotation keys. */
export const Annotation = {
  chunkOffset: 'vnd.cube.chunk.offset',
  chunkLength: 'vnd.cube.chunk.length',
  imageDigest: 'vnd.cube.image.digest',
  imageSize: 'vnd.cube.image.size',
  planDigest: 'vnd.cube.plan.digest',
  sealNode: 'vnd.cube.seal.node',
  title: 'org.opencontainers.image.title',
} as const;

/** How much of the image goes into one chunk, uncompressed. */
export const CHUNK_BYTES = 32 * 1024 * 1024;

const descriptorSchema = z.object({
  mediaType: z.string(),
  digest: digestSchema,
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** A descriptor: a blob by media type, digest and size. */
export type Descriptor = z.infer<typeof descriptorSchema>;

const manifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.literal(MediaType.ociManifest),
  artifactType: z.string(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** An artifact manifest as cube writes and reads it. */
export type ArtifactManifest = z.infer<typeof manifestSchema>;

/** A chunk of the image: where it goes and its blob. */
export interface Chunk {
  readonly offset: number;
  readonly length: number;
  readonly blob: Descriptor;
}

/** A blob in memory with its descriptor. */
export interface Blob {
  readonly descriptor: Descriptor;
  readonly bytes: Buffer;
}

/** Describes bytes held in memory. */
export function blobOf(mediaType: string, bytes: Buffer, annotations?: Record<string, string>): Blob {
  return { bytes, descriptor: { mediaType, digest: sha256Digest(bytes), size: bytes.length, ...(annotations ? { annotations } : {}) } };
}

/** The descriptor of one chunk. */
export function chunkDescriptor(chunk: Omit<Chunk, 'blob'>, compressed: Buffer): Descriptor {
  return blobOf(CubeMediaType.chunk, compressed, { [Annotation.chunkOffset]: String(chunk.offset), [Annotation.chunkLength]: String(chunk.length) }).descriptor;
}

/** The manifest's bytes: serialised once, so its digest is of exactly what is pushed. */
export function artifactManifest(artifactType: string, config: Descriptor, layers: readonly Descriptor[], annotations: Record<string, string>): Buffer {
  const manifest: ArtifactManifest = { schemaVersion: 2, mediaType: MediaType.ociManifest, artifactType, config, layers: [...layers], annotations };
  return Buffer.from(JSON.stringify(manifest));
}

type NotCube = (typeof imageCodes.notCubeArtifact)['messages'];

/** CUBE3113: what a reference holds is not the cube artifact expected. */
export function notCube<K extends keyof NotCube & string>(message: K, values: MessageValues<NotCube[K]>): DiagnosticError {
  return new DiagnosticError(createDiagnostic(imageCodes.notCubeArtifact, message, values));
}

/**
 * Reads a manifest as an artifact of `artifactType`, with its image chunks in order: each one
 * starts where the one before ended, and together they make `size` bytes.
 */
export function parseArtifact(bytes: Buffer, artifactType: string, where: string): { manifest: ArtifactManifest; chunks: Chunk[]; size: number } {
  let parsed;
  try {
    parsed = manifestSchema.safeParse(JSON.parse(bytes.toString('utf8')));
  } catch {
    throw notCube('notJson', { where });
  }
  if (!parsed.success) throw notCube('notArtifact', { where });
  const manifest = parsed.data;
  if (manifest.artifactType !== artifactType) throw notCube('artifactType', { where, got: manifest.artifactType, expected: artifactType });
  const chunks: Chunk[] = [];
  let size = 0;
  for (const blob of manifest.layers.filter((l) => l.mediaType === CubeMediaType.chunk)) {
    const offset = Number(blob.annotations?.[Annotation.chunkOffset]);
    const length = Number(blob.annotations?.[Annotation.chunkLength]);
    if (offset !== size || !Number.isSafeInteger(length) || length <= 0 || length > CHUNK_BYTES) throw notCube('chunkGap', { where, index: chunks.length, offset: size });
    chunks.push({ offset, length, blob });
    size += length;
  }
  return { manifest, chunks, size };
}

/** The one part of `manifest` of `mediaType`, which must be there. */
export function partOf(manifest: ArtifactManifest, mediaType: string, where: string): Descriptor {
  const part = manifest.layers.find((l) => l.mediaType === mediaType);
  if (!part) throw notCube('missingPart', { where, mediaType });
  return part;
}

/** The digest in annotation `key`, which must be there. */
export function annotatedDigest(manifest: ArtifactManifest, key: string, where: string): Digest {
  const value = digestSchema.safeParse(manifest.annotations?.[key]);
  if (!value.success) throw notCube('annotation', { where, key });
  return value.data;
}
