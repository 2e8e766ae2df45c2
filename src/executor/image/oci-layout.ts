/**
 * `oci-layout:DIR[:TAG|@DIGEST]`: images in an OCI image layout directory (index.json + blobs/).
 * Tags are `org.opencontainers.image.ref.name` annotations; nested indexes are followed with
 * platform selection; every document is verified by hashing its bytes before it is parsed.
 */
import { createReadStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { ImageRef, Platform } from '../../core/build-spec.js';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { imageCodes } from '../../core/diagnostics/codes-image.js';
import { sha256Digest } from '../../core/digest.js';
import type { Digest } from '../../core/digest.js';
import type { ResolvedImage } from '../../core/image.js';
import type { Descriptor } from './manifest.js';
import { hostPlatform } from '../../core/platform.js';
import { layerDescriptors, parseConfig, parseDocument, selectPlatform } from './manifest.js';
import { MAX_MANIFEST_BYTES } from './media-types.js';

const REF_NAME = 'org.opencontainers.image.ref.name';
const MAX_NESTING = 8;

type LayoutRef = Extract<ImageRef, { transport: 'oci-layout' }>;

/** The path of blob `digest` in the layout at `dir`. */
export function layoutBlobPath(dir: string, digest: Digest): string {
  return join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

/** Reads a small blob (manifest, index, config), capped and verified against its digest. */
async function readDocument(dir: string, digest: Digest, what: string): Promise<Buffer> {
  const path = layoutBlobPath(dir, digest);
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new DiagnosticError(createDiagnostic(imageCodes.layoutUnreadable, 'blob', { what, digest, directory: dir, problem: (error as NodeJS.ErrnoException).code ?? 'error' }));
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_MANIFEST_BYTES) {
      throw new DiagnosticError(createDiagnostic(imageCodes.badManifest, 'tooBig', { what, size, limit: MAX_MANIFEST_BYTES }));
    }
    const bytes = await handle.readFile();
    const got = sha256Digest(bytes);
    if (got !== digest) throw new DiagnosticError(createDiagnostic(imageCodes.digestMismatch, 'content', { what, expected: digest, got }));
    return bytes;
  } finally {
    await handle.close();
  }
}

function describeRef(ref: LayoutRef): string {
  return `oci-layout:${ref.dir}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

function pickTop(manifests: readonly Descriptor[], ref: LayoutRef): Descriptor {
  const what = describeRef(ref);
  let found: Descriptor | undefined;
  if (ref.digest !== undefined) found = manifests.find((d) => d.digest === ref.digest);
  else if (ref.tag !== undefined) found = manifests.find((d) => d.annotations?.[REF_NAME] === ref.tag);
  else if (manifests.length === 1) found = manifests[0];
  else found = manifests.find((d) => d.annotations?.[REF_NAME] === 'latest');
  if (found) return found;
  const tags = manifests.map((d) => d.annotations?.[REF_NAME]).filter((t): t is string => t !== undefined);
  const wantedWhat = ref.digest ?? (ref.tag !== undefined ? `tag "${ref.tag}"` : 'a single image (no tag given)');
  throw new DiagnosticError(
    createDiagnostic(imageCodes.referenceNotFound, tags.length > 0 ? 'layout' : 'layoutUntagged', { what, wanted: wantedWhat, tags: tags.join(', ') }),
  );
}

/** Finds a manifest by digest inside nested indexes (a lockfile pins the platform manifest). */
async function findNested(dir: string, manifests: readonly Descriptor[], digest: Digest, what: string, depth = 0): Promise<Descriptor | undefined> {
  if (depth > MAX_NESTING) return undefined;
  for (const d of manifests) {
    if (d.digest === digest) return d;
    if (d.mediaType !== undefined && !d.mediaType.includes('index') && !d.mediaType.includes('list')) continue;
    const doc = parseDocument(await readDocument(dir, d.digest, what), d.mediaType, `${what} (${d.digest})`);
    if (doc.kind === 'index') {
      const found = await findNested(dir, doc.manifests, digest, what, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/** Resolves an `oci-layout:` reference. Returns the image and the layout directory its blobs live in. */
export async function resolveLayout(ref: LayoutRef, contextDir: string, platform: Platform | undefined): Promise<{ image: ResolvedImage; dir: string }> {
  const dir = resolve(contextDir, ref.dir);
  const what = describeRef(ref);
  let indexText: string;
  try {
    indexText = await readFile(join(dir, 'index.json'), 'utf8');
  } catch (error) {
    throw new DiagnosticError(createDiagnostic(imageCodes.layoutUnreadable, 'index', { what, path: join(dir, 'index.json'), problem: (error as NodeJS.ErrnoException).code ?? 'error' }));
  }
  const top = parseDocument(Buffer.from(indexText), undefined, `${dir}/index.json`);
  if (top.kind !== 'index') throw new DiagnosticError(createDiagnostic(imageCodes.badManifest, 'notIndex', { path: `${dir}/index.json` }));
  const wanted = platform ?? hostPlatform();
  let descriptor = ref.digest !== undefined && !top.manifests.some((d) => d.digest === ref.digest) ? await findNested(dir, top.manifests, ref.digest, what) : undefined;
  descriptor ??= pickTop(top.manifests, ref);
  let indexDigest: Digest | undefined;
  for (let depth = 0; ; depth++) {
    if (depth > MAX_NESTING) throw new DiagnosticError(createDiagnostic(imageCodes.badManifest, 'nested', { what, depth: MAX_NESTING }));
    const bytes = await readDocument(dir, descriptor.digest, what);
    const doc = parseDocument(bytes, descriptor.mediaType, `${what} (${descriptor.digest})`);
    if (doc.kind === 'index') {
      indexDigest ??= descriptor.digest;
      descriptor = selectPlatform(doc.manifests, wanted, what);
      continue;
    }
    const configBytes = await readDocument(dir, doc.config.digest, `${what} config`);
    const { config, diffIds, platform: imagePlatform } = parseConfig(configBytes, `${what} config`);
    const image: ResolvedImage = {
      ref,
      ...(indexDigest !== undefined ? { indexDigest } : {}),
      manifestDigest: descriptor.digest,
      configDigest: doc.config.digest,
      platform: descriptor.platform ?? imagePlatform,
      layers: layerDescriptors(doc.layers, diffIds, what),
      config,
    };
    return { image, dir };
  }
}

/** Opens a layer blob of a layout as a raw (compressed) stream. */
export function openLayoutBlob(dir: string, digest: Digest): Readable {
  return createReadStream(layoutBlobPath(dir, digest), { highWaterMark: 1 << 20 });
}

