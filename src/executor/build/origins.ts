/**
 * origins.json: which plan node put each path of rootfs.ext4 there (a base image layer, envd's
 * injection, a COPY or WORKDIR step), so `cube inspect` can say what takes the space by where it
 * came from. Sealing traces it; it is kept with the image in the cache and written beside it in
 * the output. It names plan nodes by id, not build-file lines: a comment can move a line without
 * changing the image, and plan.json, written by every build, says where each node is written.
 */
import { z } from 'zod';
import { digestSchema } from '../../core/digest.js';
import type { Digest } from '../../core/digest.js';
import type { FlattenedIndex, IndexInode } from '../flatten/index.js';
import type { Plan } from '../../planner/index.js';
import type { BuildStepOrigin } from './tree-writers.js';

/** Where sealing took a path from: layer `index` (oldest 0), envd's injection, or build step `index`. */
export type TreeOrigin = { readonly kind: 'layer'; readonly index: number } | { readonly kind: 'envd' } | { readonly kind: 'step'; readonly index: number };

/** One path of the sealed tree and where it came from; none for what the ext4 writer made itself (the root). */
export interface PathOrigin {
  readonly path: string;
  readonly origin?: TreeOrigin;
}

/** The origin value for what cube's ext4 writer made itself rather than any step: the root, lost+found. */
export const WRITER_ORIGIN = -1;

const originNodeSchema = z
  .object({ kind: z.enum(['layer', 'envd', 'step']), index: z.number().int().nonnegative().optional(), node: digestSchema })
  .strict();

/** The schema of origins.json. */
const originsSchema = z
  .object({
    version: z.literal(1),
    /** The seal node of the image these origins describe. */
    seal: digestSchema,
    /** Every plan node that writes into the tree: the layers, envd, then the steps. */
    origins: z.array(originNodeSchema),
    /** The tree's paths, parents first. */
    paths: z.array(z.string()),
    /** For each path, its origin's index in `origins`, or WRITER_ORIGIN. */
    origin: z.array(z.number().int().min(WRITER_ORIGIN)),
  })
  .strict()
  .refine((o) => o.paths.length === o.origin.length && o.origin.every((i) => i < o.origins.length), 'paths and origins do not match');

/** The content of origins.json. */
export type Origins = z.infer<typeof originsSchema>;

/** One origin of {@link Origins}: a plan node that writes into the tree. */
export type OriginNode = Origins['origins'][number];

/** Every path of the final tree with its origin; `stepOf` names the build step that made an inode, if one did. */
export function traceOrigins(index: FlattenedIndex, stepOf: (inode: IndexInode) => BuildStepOrigin | undefined): PathOrigin[] {
  return index.paths().map((path) => {
    const inode = index.get(path) as IndexInode;
    const step = stepOf(inode);
    if (step === 'envd') return { path, origin: { kind: 'envd' } };
    if (step !== undefined) return { path, origin: { kind: 'step', index: step } };
    return inode.layer >= 0 ? { path, origin: { kind: 'layer', index: inode.layer } } : { path };
  });
}

function key(origin: TreeOrigin | OriginNode): string {
  return origin.kind === 'envd' ? 'envd' : `${origin.kind}/${origin.index ?? 0}`;
}

/** origins.json for `plan`'s image: its layer, inject and step nodes (`stepNodes`, in order), and each path's. */
export function originsOf(plan: Plan, stepNodes: readonly Digest[], traced: readonly PathOrigin[]): Origins {
  const layers = plan.nodes.find((n) => n.kind === 'rootfs')?.inputs.layers;
  const inject = plan.nodes.find((n) => n.kind === 'inject');
  const origins: OriginNode[] = [
    ...(Array.isArray(layers) ? layers : []).map((node, index): OriginNode => ({ kind: 'layer', index, node })),
    ...(inject ? [{ kind: 'envd' as const, node: inject.id }] : []),
    ...stepNodes.map((node, index): OriginNode => ({ kind: 'step', index, node })),
  ];
  const position = new Map(origins.map((o, i) => [key(o), i]));
  return {
    version: 1,
    seal: plan.roots.seal,
    origins,
    paths: traced.map((t) => t.path),
    origin: traced.map((t) => (t.origin ? (position.get(key(t.origin)) ?? WRITER_ORIGIN) : WRITER_ORIGIN)),
  };
}

/** origins.json's text. */
export function originsToJson(origins: Origins): string {
  return JSON.stringify(origins) + '\n';
}

/** Origins from a value already parsed (a remote cache's config holds them as JSON); undefined when they are not valid. */
export function originsFromValue(value: unknown): Origins | undefined {
  const parsed = originsSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** Reads origins.json's text; undefined when it is not valid. */
export function originsFromJson(text: string): Origins | undefined {
  try {
    return originsFromValue(JSON.parse(text));
  } catch {
    return undefined;
  }
}
