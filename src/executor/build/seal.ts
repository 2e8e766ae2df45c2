/**
 * Executes the filesystem half of a plan: flattens the image's layers into the ext4 writer (or
 * starts from the flattened base an earlier build of the same layers kept: docs/incremental.md),
 * bakes envd in, applies COPY and WORKDIR in order, and seals the image. Everything streams from
 * the layer tars into the writer; nothing from a layer touches the host filesystem.
 */
import type { SealSpec } from '../../core/build-spec.js';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { buildCodes } from '../../core/diagnostics/codes-build.js';
import type { Digest } from '../../core/digest.js';
import type { LayerSource, ProgressEvent, ResolvedImage } from '../../core/image.js';
import { formatBytes } from '../../core/format.js';
import type { Logger, ProgressSink } from '../../core/log.js';
import type { Timestamp } from '../../core/tree-writer.js';
import { createExt4Writer, resumeExt4Writer } from '../ext4/index.js';
import type { Ext4Options, Ext4Result, Ext4TreeWriter } from '../ext4/index.js';
import { imageLayers, indexLayers, writeFlattened } from '../flatten/index.js';
import type { FlattenedIndex, FlattenLimits, IndexInode } from '../flatten/index.js';
import type { HostFile } from '../inject/index.js';
import type { AccountFiles } from '../launch/index.js';
import { applyBuildSteps } from './build-steps.js';
import { captureBase } from './flattened-base.js';
import type { CapturedBase, FlattenedBase } from './flattened-base.js';
import type { SealStep } from './build-steps.js';
import { takeIndexedLayers } from './image-facts.js';
import { cachingLayerSource } from './layer-cache.js';
import { countingWriter, IndexingWriter } from './tree-writers.js';
import type { BuildStepOrigin } from './tree-writers.js';
import { traceOrigins } from './origins.js';
import type { PathOrigin } from './origins.js';
import type { RootfsFacts } from './rootfs-facts.js';

export type { SealStep } from './build-steps.js';

/** Everything sealing needs, already resolved and hashed by the planner. */
export interface SealInput {
  readonly image: ResolvedImage;
  readonly layers: LayerSource;
  /** Cache directory: uncompressed layers are kept under it (see layer-cache.ts). */
  readonly cacheDir: string;
  readonly envd?: { readonly file: HostFile; readonly imagePath: string; readonly execAs?: Uint8Array };
  readonly steps: readonly SealStep[];
  readonly seal: SealSpec;
  /** The seal node id: seeds the filesystem UUID and hash seed. */
  readonly sealId: Digest;
  /** Timestamp for files cube creates and for the superblock (SOURCE_DATE_EPOCH, else 0). */
  readonly epoch: number;
  /** Where to write the image (a temporary name the caller renames). */
  readonly path: string;
  readonly logger: Logger;
  readonly progress: ProgressSink;
  /** What reading the layers may cost; each limit left out has its default. */
  readonly limits?: FlattenLimits;
}

/** What sealing produced. The image's digest is taken by whoever reads it next (see execute.ts). */
export interface SealOutput {
  readonly ext4: Ext4Result;
  readonly facts: RootfsFacts;
  /** Every path of the tree and the layer or step it came from. */
  readonly origins: readonly PathOrigin[];
  /** The flattened base, captured when the layers were flattened now (see flattened-base.ts). */
  readonly base?: CapturedBase;
}

const ACCOUNT_FILES = ['/etc/passwd', '/etc/group'] as const;

function text(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');
}

/** Bytes of file data in the flattened tree, each hard-linked file counted once. */
function fileBytes(index: FlattenedIndex): number {
  return treeContent(index).fileBytes;
}

/**
 * What a tree's content takes: its files' data bytes (a hard-linked file once; a sparse file its
 * data regions only) and how many directories it has. Sealing reports the first as progress;
 * the image checks bound SEAL SIZE from both.
 */
export function treeContent(index: FlattenedIndex): { readonly fileBytes: number; readonly directories: number; readonly fileBlocks: number } {
  const seen = new Set<IndexInode>();
  let fileBytes = 0;
  let fileBlocks = 0;
  let directories = 0;
  for (const path of index.paths()) {
    const inode = index.get(path);
    if (!inode || seen.has(inode)) continue;
    seen.add(inode);
    if (inode.meta.type === 'dir') directories++;
    if (inode.meta.type !== 'file') continue;
    const bytes = inode.meta.sparse ? inode.meta.sparse.reduce((sum, r) => sum + r.length, 0) : (inode.meta.size ?? 0);
    fileBytes += bytes;
    fileBlocks += Math.ceil(bytes / 4096);
  }
  return { fileBytes, directories, fileBlocks };
}

/** Pull progress, one bar per layer blob. */
function pullProgress(progress: ProgressSink): (event: ProgressEvent) => void {
  const started = new Set<string>();
  return (event) => {
    if (!started.has(event.digest)) {
      started.add(event.digest);
      progress.start(event.digest, `layer ${event.digest.slice(7, 19)}`, event.total);
    }
    progress.update(event.digest, event.done);
    if (event.done >= event.total) progress.finish(event.digest);
  };
}

/** Where the build steps start: the writer after the layers, with the tree's index and accounts. */
interface Start {
  readonly writer: Ext4TreeWriter;
  readonly index: FlattenedIndex;
  readonly accounts: AccountFiles;
  /** The base's state, captured for keeping when it was made now (a cold start). */
  readonly captured?: CapturedBase;
}

function ext4Options(input: SealInput): Ext4Options {
  return {
    seed: input.sealId,
    timestamp: input.epoch,
    ...(input.seal.size !== undefined ? { size: input.seal.size } : {}),
    ...(input.seal.free !== undefined ? { free: input.seal.free } : {}),
    journal: input.seal.journal,
    metadataCsum: input.seal.metadataCsum,
    dirIndex: input.seal.dirIndex,
    ...(input.seal.holes ? { holes: true } : {}),
    ...(input.seal.label !== undefined ? { label: input.seal.label } : {}),
  };
}

/** A cold start: every layer flattened into a new image; the state after it captured. */
async function flattenStart(input: SealInput): Promise<Start> {
  const source = cachingLayerSource(input.layers, input.cacheDir);
  // Remote layers download concurrently up front; flattening then reads them in order.
  await source.prefetch?.(input.image, pullProgress(input.progress));
  const layers = imageLayers(input.image, source, pullProgress(input.progress));
  const warn = (message: string): void => input.logger.warn({}, message);
  const checked = takeIndexedLayers(input.image);
  checked?.warnings.forEach(warn);
  const index = checked?.index ?? (await indexLayers(layers, { warn, ...(input.limits ? { limits: input.limits } : {}) }));
  const ext4 = await createExt4Writer(input.path, ext4Options(input));
  // The image file stays open until close; a failure on the way must release it.
  try {
    const total = fileBytes(index);
    let written = 0;
    input.progress.start('seal', 'writing rootfs', total);
    const counted = countingWriter(ext4, (bytes) => input.progress.update('seal', (written += bytes)));
    const { captured } = await writeFlattened(layers, index, counted, { capture: [...ACCOUNT_FILES] });
    input.progress.finish('seal');
    const accounts: AccountFiles = {
      ...(captured.has('/etc/passwd') ? { passwd: text(captured.get('/etc/passwd')) as string } : {}),
      ...(captured.has('/etc/group') ? { group: text(captured.get('/etc/group')) as string } : {}),
    };
    const count = input.image.layers.length;
    input.logger.info({ layers: count, paths: index.size, bytes: total }, `flattened ${count} layer${count === 1 ? '' : 's'} (${index.size} paths)`);
    const state = captureBase({ writer: ext4.state(), index, accounts, layers: count, sealedBy: input.sealId });
    return { writer: ext4, index, accounts, captured: state };
  } catch (error) {
    await ext4.abort();
    throw error;
  }
}

/** An incremental start: the base's image copied up to its data's end, its state restored. */
async function baseStart(input: SealInput, base: FlattenedBase): Promise<Start> {
  const writer = await resumeExt4Writer(input.path, base.image, ext4Options(input), base.writer);
  const count = base.layers;
  input.logger.info(
    { base: base.sealedBy, layers: count, paths: base.index.size },
    `${count === 1 ? 'layer 1' : `layers 1-${count}`} reused from the flattened rootfs of seal ${base.sealedBy.slice(7, 19)} (no layer read)`,
  );
  return { writer, index: base.index, accounts: base.accounts };
}

/** Seals the rootfs described by `input` into `input.path`, from `base` when there is one. */
export async function sealRootfs(input: SealInput, base?: FlattenedBase): Promise<SealOutput> {
  const mtime: Timestamp = { sec: input.epoch, nsec: 0 };
  const start = base ? await baseStart(input, base) : await flattenStart(input);
  const { accounts, index } = start;
  try {
    const writer = new IndexingWriter(start.writer, index);
    const steps = { ...(input.envd ? { envd: input.envd } : {}), steps: input.steps, accounts, mtime, logger: input.logger, beginStep: (step: BuildStepOrigin) => writer.beginStep(step) };
    await applyBuildSteps(writer, index, steps, (problem) => {
      throw new DiagnosticError(problem);
    });
    const result = await writer.close();
    input.logger.info({ size: result.size, uuid: result.uuid }, `sealed ext4 rootfs (${formatBytes(result.size)})`);
    const origins = traceOrigins(index, (inode) => writer.originOf(inode));
    return { ext4: result, facts: { accounts, index }, origins, ...(start.captured ? { base: start.captured } : {}) };
  } catch (error) {
    await start.writer.abort();
    throw error;
  }
}

/** A diagnostic for an output or cache path that cannot be written. */
export function notWritable(path: string, error: unknown): DiagnosticError {
  const reason = error instanceof Error ? error.message : String(error);
  return new DiagnosticError(createDiagnostic(buildCodes.outputNotWritable, 'cannotWrite', { path, problem: reason }));
}
