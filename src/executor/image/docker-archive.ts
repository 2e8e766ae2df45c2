/**
 * `docker-archive:FILE[:REF]`: images saved by `docker save`. The archive's `manifest.json`
 * (written by every Docker version, beside the OCI layout newer ones add) names each image's
 * config and layer files; layers are read straight out of the tar when flattening needs them,
 * verified against the config's diff_ids (and their blob digest when the file is named by one).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { z } from 'zod';
import type { ImageRef } from '../../core/build-spec.js';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import type { MessageValues } from '../../core/diagnostics/index.js';
import { imageCodes } from '../../core/diagnostics/codes-image.js';
import { sha256Digest } from '../../core/digest.js';
import type { Digest } from '../../core/digest.js';
import type { LayerDescriptor, ResolvedImage } from '../../core/image.js';
import { parseConfig } from './manifest.js';
import { MAX_MANIFEST_BYTES, MediaType } from './media-types.js';

type ArchiveRef = Extract<ImageRef, { transport: 'docker-archive' }>;

const manifestSchema = z.array(z.object({ Config: z.string(), RepoTags: z.array(z.string()).nullish(), Layers: z.array(z.string()) }));

type ArchiveMessages = typeof imageCodes.archiveUnreadable.messages;

function unreadable<K extends keyof ArchiveMessages>(message: K, values: MessageValues<ArchiveMessages[K]>): DiagnosticError {
  return new DiagnosticError(createDiagnostic(imageCodes.archiveUnreadable, message, values));
}

/** Reads the small files of an archive (manifest.json and JSON configs) into memory. */
async function readSmallFiles(file: string, wanted: (name: string) => boolean): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const ex = extract();
  const source = createReadStream(file);
  source.on('error', (error) => ex.destroy(error));
  source.pipe(ex);
  try {
    for await (const entry of ex) {
      const name = entry.header.name.replace(/^\.\//, '');
      if (entry.header.type === 'file' && (entry.header.size ?? 0) <= MAX_MANIFEST_BYTES && wanted(name)) {
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        files.set(name, Buffer.concat(chunks));
      } else entry.resume();
    }
  } catch (error) {
    throw unreadable('notTar', { file, problem: (error as Error).message });
  }
  return files;
}

/** Normalises `name[:tag]` as Docker does, for matching against RepoTags. */
function normalise(name: string): string {
  const withTag = /:[^/]+$/.test(name) ? name : `${name}:latest`;
  const first = withTag.split('/')[0] ?? '';
  const hasHost = withTag.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  const path = hasHost ? withTag : withTag.includes('/') ? `docker.io/${withTag}` : `docker.io/library/${withTag}`;
  return path;
}

/** Resolves a docker-archive reference; layer files are located by name for {@link openArchiveLayer}. */
export async function resolveArchive(ref: ArchiveRef, contextDir: string): Promise<{ image: ResolvedImage; file: string; layerFiles: readonly string[] }> {
  const file = resolve(contextDir, ref.file);
  const shown = `docker-archive:${ref.file}`;
  // A device or a pipe (/dev/zero, a FIFO) would be read forever: only a regular file is an archive.
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw unreadable('cannotRead', { archive: shown, problem: error.code === 'ENOENT' ? 'no such file' : (error.code ?? error.message) });
  });
  if (!info.isFile()) throw unreadable('notFile', { archive: shown, file });
  const small = await readSmallFiles(file, (name) => name === 'manifest.json' || name.endsWith('.json') || name.startsWith('blobs/sha256/'));
  const manifestBytes = small.get('manifest.json');
  if (!manifestBytes) throw unreadable('noManifest', { archive: shown });
  const parsed = manifestSchema.safeParse(JSON.parse(manifestBytes.toString('utf8')));
  if (!parsed.success) throw unreadable('badManifest', { archive: shown });
  const images = parsed.data;
  let chosen = images[0];
  if (ref.ref !== undefined) chosen = images.find((i) => (i.RepoTags ?? []).some((t) => normalise(t) === normalise(ref.ref as string)));
  else if (images.length > 1) throw unreadable('several', { archive: shown, count: images.length, file: ref.file });
  if (!chosen) {
    const tags = images.flatMap((i) => i.RepoTags ?? []);
    throw new DiagnosticError(createDiagnostic(imageCodes.referenceNotFound, tags.length > 0 ? 'archive' : 'archiveUntagged', { archive: shown, ref: ref.ref ?? '', tags: tags.join(', ') }));
  }
  const configBytes = small.get(chosen.Config);
  if (!configBytes) throw unreadable('noConfig', { archive: shown, config: chosen.Config });
  const { config, diffIds, platform } = parseConfig(configBytes, `${shown} config`);
  if (diffIds.length !== chosen.Layers.length) throw unreadable('layerCount', { archive: shown, layers: chosen.Layers.length, diffIds: diffIds.length });
  const layers: LayerDescriptor[] = chosen.Layers.map((name, i) => {
    const diffId = diffIds[i] as Digest;
    const named = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(name);
    return { digest: named ? (`sha256:${named[1]}` as Digest) : diffId, mediaType: MediaType.dockerLayerTar, size: -1, diffId };
  });
  const image: ResolvedImage = {
    ref,
    // No registry manifest exists: the archive's own manifest entry names the image.
    manifestDigest: sha256Digest(JSON.stringify({ config: sha256Digest(configBytes), layers: diffIds })),
    configDigest: sha256Digest(configBytes),
    platform,
    layers,
    config,
  };
  return { image, file, layerFiles: chosen.Layers };
}

/** Streams one layer file out of the archive (raw bytes; the caller verifies them). */
export function openArchiveLayer(file: string, name: string): Promise<{ stream: Readable; size: number }> {
  return new Promise((resolvePromise, reject) => {
    const ex = extract();
    const source = createReadStream(file);
    let found = false;
    source.on('error', (error) => (found ? ex.destroy(error) : reject(unreadable('readError', { file, problem: error.message }))));
    ex.on('entry', (header, entry, next) => {
      if (found || header.name.replace(/^\.\//, '') !== name) {
        entry.on('end', next);
        entry.resume();
        return;
      }
      found = true;
      const out = new PassThrough({ highWaterMark: 1 << 20 });
      entry.on('error', (error: Error) => out.destroy(error));
      entry.on('end', () => {
        out.end();
        source.destroy();
      });
      entry.pipe(out);
      resolvePromise({ stream: out, size: header.size ?? 0 });
    });
    ex.on('finish', () => {
      if (!found) reject(unreadable('noLayer', { file, layer: name }));
    });
    ex.on('error', (error: Error) => {
      if (!found) reject(unreadable('notTar', { file, problem: error.message }));
    });
    source.pipe(ex);
  });
}
