/** Writes small OCI image layouts for image-source tests. */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Digest } from '../../src/core/digest.js';

/** A blob written to a layout. */
export interface Blob {
  readonly digest: Digest;
  readonly size: number;
}

/** Writes `data` as a blob of the layout at `dir`. */
export async function putBlob(dir: string, data: Uint8Array | string): Promise<Blob> {
  const bytes = Buffer.from(data);
  const hex = createHash('sha256').update(bytes).digest('hex');
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'blobs', 'sha256', hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
}

/** A layer of a test image: its tar and how to store it. */
export interface TestLayer {
  readonly tar: Buffer;
  readonly compression?: 'gzip' | 'zstd' | 'none';
  /** Overrides the media type written in the manifest. */
  readonly mediaType?: string;
  /** The blob as stored, already compressed as `compression` says (`tar` then gives only the diffId). */
  readonly stored?: Buffer;
}

const LAYER_TYPE = { none: 'application/vnd.oci.image.layer.v1.tar', gzip: 'application/vnd.oci.image.layer.v1.tar+gzip', zstd: 'application/vnd.oci.image.layer.v1.tar+zstd' };

/** Compresses with the zstd command-line tool (installed by .ci/run). */
async function zstd(data: Buffer): Promise<Buffer> {
  const { execa } = await import('execa');
  const result = await execa('zstd', ['-q', '-c', '-3'], { input: data, encoding: 'buffer' });
  return Buffer.from(result.stdout);
}

/** Writes an image (layers, config, manifest) and returns the manifest descriptor. */
export async function putImage(
  dir: string,
  layers: readonly TestLayer[],
  config: Record<string, unknown> = {},
  platform = { os: 'linux', architecture: 'amd64' },
): Promise<{ mediaType: string; digest: Digest; size: number; platform: { os: string; architecture: string } }> {
  const descriptors = [];
  const diffIds = [];
  for (const layer of layers) {
    const compression = layer.compression ?? 'gzip';
    const stored = layer.stored ?? (compression === 'gzip' ? gzipSync(layer.tar) : compression === 'zstd' ? await zstd(layer.tar) : layer.tar);
    descriptors.push({ mediaType: layer.mediaType ?? LAYER_TYPE[compression], ...(await putBlob(dir, stored)) });
    diffIds.push(`sha256:${createHash('sha256').update(layer.tar).digest('hex')}`);
  }
  const configBlob = await putBlob(dir, JSON.stringify({ ...platform, config, rootfs: { type: 'layers', diff_ids: diffIds } }));
  const manifest = await putBlob(
    dir,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob },
      layers: descriptors,
    }),
  );
  return { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, platform };
}

/** Writes index.json with the given top-level descriptors. */
export async function putIndex(dir: string, manifests: readonly unknown[]): Promise<void> {
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
}

/** A tag annotation. */
export function tagged(tag: string): { annotations: Record<string, string> } {
  return { annotations: { 'org.opencontainers.image.ref.name': tag } };
}
