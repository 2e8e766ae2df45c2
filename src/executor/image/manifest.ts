/**
 * Parsing of indexes, manifests and image configs (OCI and Docker schema 2), with platform
 * selection as Docker does it: exact os/architecture, variant when asked, attestation manifests
 * (`unknown/unknown` platforms, `vnd.docker.reference.type` annotations) skipped.
 */
import { z } from 'zod';
import type { Platform } from '../../core/build-spec.js';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import type { MessageValues } from '../../core/diagnostics/index.js';
import { imageCodes } from '../../core/diagnostics/codes-image.js';
import { digestSchema } from '../../core/digest.js';
import type { Digest } from '../../core/digest.js';
import type { ImageConfig, LayerDescriptor } from '../../core/image.js';
import { formatPlatform, platformSatisfies } from '../../core/platform.js';
import { isIndex, MediaType } from './media-types.js';

const digest = digestSchema;

const descriptor = z.object({
  mediaType: z.string().optional(),
  digest,
  size: z.number().int().nonnegative(),
  platform: z.object({ os: z.string(), architecture: z.string(), variant: z.string().optional() }).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** A content descriptor. */
export type Descriptor = z.infer<typeof descriptor>;

const indexSchema = z.object({ schemaVersion: z.literal(2), mediaType: z.string().optional(), manifests: z.array(descriptor) });
const manifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: descriptor,
  layers: z.array(descriptor),
});
const configSchema = z.object({
  architecture: z.string().optional(),
  os: z.string().optional(),
  variant: z.string().optional(),
  config: z
    .object({
      Env: z.array(z.string()).nullish(),
      Entrypoint: z.array(z.string()).nullish(),
      Cmd: z.array(z.string()).nullish(),
      WorkingDir: z.string().nullish(),
      User: z.string().nullish(),
      ExposedPorts: z.record(z.string(), z.unknown()).nullish(),
      Labels: z.record(z.string(), z.string()).nullish(),
    })
    .nullish(),
  rootfs: z.object({ type: z.literal('layers'), diff_ids: z.array(digest) }),
});

type Bad = typeof imageCodes.badManifest.messages;

function bad<K extends keyof Bad>(message: K, values: MessageValues<Bad[K]>): DiagnosticError {
  return new DiagnosticError(createDiagnostic(imageCodes.badManifest, message, values));
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw bad('notJson', { what });
  }
}

/** What a manifest-or-index document is. */
export type ParsedDocument = { readonly kind: 'index'; readonly manifests: readonly Descriptor[] } | { readonly kind: 'manifest'; readonly config: Descriptor; readonly layers: readonly Descriptor[] };

/** Parses an index or image manifest; `mediaType` is the one its descriptor (or response) gave. */
export function parseDocument(bytes: Uint8Array, mediaType: string | undefined, what: string): ParsedDocument {
  const value = parseJson(bytes, what);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad('notObject', { what });
  const json = value as { mediaType?: unknown; schemaVersion?: unknown; manifests?: unknown };
  const type = typeof json.mediaType === 'string' ? json.mediaType : mediaType;
  if (type === MediaType.dockerSchema1 || type === MediaType.dockerSchema1Signed || json.schemaVersion === 1) {
    throw new DiagnosticError(createDiagnostic(imageCodes.schema1, 'schema1', { what }));
  }
  if (isIndex(type) || (type === undefined && Array.isArray(json.manifests))) {
    const parsed = indexSchema.safeParse(json);
    if (!parsed.success) throw bad('badIndex', { what, problem: parsed.error.issues[0]?.message ?? 'invalid' });
    return { kind: 'index', manifests: parsed.data.manifests };
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw bad('badManifest', { what, problem: parsed.error.issues[0]?.message ?? 'invalid' });
  return { kind: 'manifest', config: parsed.data.config, layers: parsed.data.layers };
}

function isAttestation(d: Descriptor): boolean {
  return d.annotations?.['vnd.docker.reference.type'] !== undefined || d.platform?.os === 'unknown';
}

/** Picks the manifest for `wanted` from an index's entries, or throws naming what is offered. */
export function selectPlatform(manifests: readonly Descriptor[], wanted: Platform, what: string): Descriptor {
  const candidates = manifests.filter((d) => !isAttestation(d) && d.platform);
  const match = candidates.find((d) => d.platform !== undefined && platformSatisfies(d.platform, wanted));
  if (match) return match;
  const offered = candidates.map((d) => formatPlatform(d.platform as Platform)).join(', ') || 'none';
  throw new DiagnosticError(
    createDiagnostic(imageCodes.noMatchingPlatform, 'none', { what, platform: formatPlatform(wanted), offered }),
  );
}

/** Parses an image config into cube's view of it plus the layers' diffIds. */
export function parseConfig(bytes: Uint8Array, what: string): { config: ImageConfig; diffIds: readonly Digest[]; platform: Platform } {
  const parsed = configSchema.safeParse(parseJson(bytes, what));
  if (!parsed.success) throw bad('badConfig', { what, problem: parsed.error.issues[0]?.message ?? 'invalid' });
  const c = parsed.data.config ?? {};
  const config: ImageConfig = {
    env: c.Env ?? [],
    ...(c.Entrypoint ? { entrypoint: c.Entrypoint } : {}),
    ...(c.Cmd ? { cmd: c.Cmd } : {}),
    ...(c.WorkingDir ? { workingDir: c.WorkingDir } : {}),
    ...(c.User ? { user: c.User } : {}),
    exposedPorts: Object.keys(c.ExposedPorts ?? {}).sort(),
    labels: c.Labels ?? {},
  };
  const platform: Platform = {
    os: parsed.data.os ?? 'linux',
    architecture: parsed.data.architecture ?? 'unknown',
    ...(parsed.data.variant ? { variant: parsed.data.variant } : {}),
  };
  return { config, diffIds: parsed.data.rootfs.diff_ids, platform };
}

/** Pairs manifest layers with config diffIds; their counts must agree. */
export function layerDescriptors(layers: readonly Descriptor[], diffIds: readonly Digest[], what: string): LayerDescriptor[] {
  if (layers.length !== diffIds.length) throw bad('layerCount', { what, layers: layers.length, diffIds: diffIds.length });
  return layers.map((l, i) => ({ digest: l.digest, mediaType: l.mediaType ?? '', size: l.size, diffId: diffIds[i] as Digest }));
}
