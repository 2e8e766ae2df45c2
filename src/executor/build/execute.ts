/**
 * Executes a plan: reuses the sealed rootfs from the cache when the seal node is there, seals it
 * otherwise; reuses the launch manifest kept with it when the manifest node is unchanged,
 * computes it otherwise; then writes the outputs (`rootfs.ext4`, `launch.json`, `plan.json`)
 * atomically into the output directory.
 */
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { BuildSpec, SpanTable } from '../../core/build-spec.js';
import { DiagnosticError } from '../../core/diagnostics/index.js';
import { sha256Digest, sha256File } from '../../core/digest.js';
import type { Digest } from '../../core/digest.js';
import { execAsBinary } from '../../core/exec-as/index.js';
import type { LayerSource } from '../../core/image.js';
import type { Logger, ProgressSink } from '../../core/log.js';
import { lock } from '../../core/lock.js';
import type { Release } from '../../core/lock.js';
import { removeDeadTemporaries, temporaryPathFor, writeFileAtomic } from '../../core/paths.js';
import type { Plan, PlanInputs } from '../../planner/index.js';
import { planToJson } from '../../planner/index.js';
import type { FlattenLimits } from '../flatten/index.js';
import type { LaunchManifest } from '../launch/index.js';
import { ArtifactMismatch, commitArtifact, discardArtifact, discardStaged, lookupArtifact, placeArtifact, placePrepared, readCachedLaunch, readFacts, stageArtifact, writeCachedLaunch } from './artifact-cache.js';
import type { CachedArtifact, CacheLookup } from './artifact-cache.js';
import { copyAndHash } from './image-copy.js';
import { computeLaunch } from './launch.js';
import type { RootfsFacts } from './rootfs-facts.js';
import { notWritable, sealRootfs } from './seal.js';
import type { SealStep } from './seal.js';

/** Everything a build execution needs. */
export interface ExecuteInput {
  readonly spec: BuildSpec;
  readonly spans: SpanTable;
  readonly plan: Plan;
  readonly inputs: PlanInputs;
  /** The image reference as written, for the manifest. */
  readonly imageRef: string;
  readonly layers: LayerSource;
  readonly cacheDir: string;
  readonly outDir: string;
  /** Rebuild the rootfs even when the cache has it. */
  readonly noCache: boolean;
  /** What reading the image's layers may cost (`--max-layer-bytes` and the like). */
  readonly limits?: FlattenLimits;
  readonly logger: Logger;
  readonly progress: ProgressSink;
}

/** What a build produced and how. */
export interface ExecuteResult {
  readonly manifest: LaunchManifest;
  /** `cached`: the seal node came from the cache; `built`: it was sealed now. */
  readonly rootfs: 'cached' | 'built';
  /** `cached`: launch.json came with the cached rootfs; `computed`: it was computed now. */
  readonly launch: 'cached' | 'computed';
  readonly outputs: { readonly rootfs: string; readonly launch: string; readonly plan: string };
}

/** The digest of a plan's nodes (its side table of descriptions and locations excluded). */
export function planDigest(plan: Plan): Digest {
  return sha256Digest(JSON.stringify(plan.nodes.map((n) => n.id)));
}

/** The rootfs for the build: the cache's, or sealed now and committed to the cache. */
interface SealedRootfs {
  readonly artifact: CachedArtifact;
  readonly rootfs: 'cached' | 'built';
  /** A freshly sealed image already copied beside `target`, to be renamed into place. */
  readonly prepared?: string;
  /** The tree's facts, when the image was sealed now (a cached one has them in its entry). */
  readonly facts?: RootfsFacts;
}

async function sealOrReuse(input: ExecuteInput, lookup: CacheLookup, target: string): Promise<SealedRootfs> {
  const sealId = input.plan.roots.seal;
  if (lookup.state === 'hit' && !input.noCache) {
    input.logger.info({ node: sealId }, `rootfs ${sealId.slice(7, 19)} found in the cache; not rebuilt`);
    return { artifact: lookup.artifact, rootfs: 'cached' };
  }
  if (lookup.state === 'corrupt') input.logger.warn({ node: sealId, reason: lookup.reason }, `cached rootfs is corrupt (${lookup.reason}); rebuilding`);
  const staged = await stageArtifact(input.cacheDir, sealId).catch((error: unknown) => {
    throw notWritable(join(input.cacheDir, 'artifacts'), error);
  });
  try {
    const { envd } = input.inputs;
    const steps: SealStep[] = input.inputs.steps.map((step, i) => {
      const where = input.spans.get(`/steps/${i}`);
      return step.kind === 'copy' ? { kind: 'copy', copy: step.copy, ...(where ? { where } : {}) } : { kind: 'workdir', path: step.path, ...(where ? { where } : {}) };
    });
    const sealed = await sealRootfs({
      image: input.inputs.image,
      layers: input.layers,
      cacheDir: input.cacheDir,
      ...(envd ? { envd: { file: { hostPath: envd.hostPath, digest: envd.digest, size: envd.size }, imagePath: envd.imagePath, ...execAsFor(envd.execAs, input.inputs.image.platform.architecture) } } : {}),
      steps,
      seal: input.spec.seal,
      sealId,
      epoch: input.inputs.epoch,
      path: staged.rootfs,
      logger: input.logger,
      progress: input.progress,
      ...(input.limits ? { limits: input.limits } : {}),
    });
    // The new image is read once: copied beside the output and hashed in the same read. If the
    // output directory cannot take it, the image is still hashed and cached before that error.
    const prepared = temporaryPathFor(target);
    let sha256: Digest;
    let outputProblem: DiagnosticError | undefined;
    try {
      await mkdir(dirname(target), { recursive: true });
      sha256 = await copyAndHash(staged.rootfs, prepared);
    } catch (error) {
      // Nothing to remove when the directory itself could not be made (rm then fails too).
      await rm(prepared, { force: true }).catch(() => undefined);
      outputProblem = notWritable(dirname(target), error);
      sha256 = await sha256File(staged.rootfs);
    }
    const artifact = await commitArtifact(input.cacheDir, staged, sealId, { ...sealed, sha256 });
    if (outputProblem) throw outputProblem;
    return { artifact, rootfs: 'built', prepared, facts: sealed.facts };
  } catch (error) {
    await discardStaged(staged);
    throw error;
  }
}

/** exec-as for the image, the bytes the plan hashed: a mismatch is a bug in cube, not a user error. */
function execAsFor(digest: Digest | undefined, architecture: string): { execAs?: Uint8Array } {
  if (!digest) return {};
  const binary = execAsBinary(architecture);
  if (!binary || sha256Digest(binary) !== digest) throw new Error(`exec-as for ${architecture} is not the one the plan hashed (${digest})`);
  return { execAs: binary };
}

/** Runs the build described by `input`. User and environment problems throw DiagnosticError. */
export async function executeBuild(input: ExecuteInput): Promise<ExecuteResult> {
  const outDir = resolve(input.outDir);
  const outputs = { rootfs: join(outDir, 'rootfs.ext4'), launch: join(outDir, 'launch.json'), plan: join(outDir, 'plan.json') };
  // What a killed build left (an image half-copied into the output, a staged entry) goes now.
  await Promise.all([outDir, join(input.cacheDir, 'artifacts'), join(input.cacheDir, 'layers', 'sha256')].map(removeDeadTemporaries));
  const lookup = await lookupArtifact(input.cacheDir, input.plan.roots.seal);
  try {
    return await buildInto(input, outputs, lookup);
  } catch (error) {
    if (!(error instanceof ArtifactMismatch)) throw error;
    // Verified reuse: bytes that are not the recorded ones are never an output; seal afresh.
    input.logger.warn({ node: input.plan.roots.seal, reason: error.message }, `${error.message}; discarding the entry and sealing again`);
    await discardArtifact(error.artifact);
    return await buildInto(input, outputs, { state: 'missing' });
  }
}

/** Seals (or reuses) the rootfs, computes (or reuses) the launch manifest, writes the outputs. */
async function buildInto(input: ExecuteInput, outputs: ExecuteResult['outputs'], lookup: CacheLookup): Promise<ExecuteResult> {
  let sealed = await sealOrReuse(input, lookup, outputs.rootfs);
  try {
    const manifestId = input.plan.roots.manifest;
    let manifest = sealed.rootfs === 'cached' ? await readCachedLaunch(sealed.artifact, manifestId) : undefined;
    const reused = manifest !== undefined;
    if (!manifest) {
      let facts = sealed.facts ?? (await readFacts(sealed.artifact));
      if (!facts) {
        // A cached image whose facts are unreadable cannot be checked against: seal it again.
        sealed = await sealOrReuse(input, { state: 'corrupt', reason: 'facts.json is not valid' }, outputs.rootfs);
        facts = sealed.facts as RootfsFacts;
      }
      manifest = launchFor(input, sealed.artifact, facts);
      // Keeping it is an optimisation: a cache that cannot be written (read-only) is no error.
      await writeCachedLaunch(sealed.artifact, manifestId, manifest).catch((error: unknown) => {
        input.logger.debug({ error: error instanceof Error ? error.message : String(error) }, 'launch manifest not kept in the cache');
      });
    }
    const { envd } = input.inputs;
    if (input.spec.launch.wrap && envd) {
      // Say whether the wrapping was done now or comes with a launch manifest from the cache.
      const how = reused ? ' (launch manifest from the cache)' : '';
      input.logger.info({ argv: manifest.process.argv, reused }, `entrypoint wrapped${how}: envd starts from ${envd.imagePath} beside the workload`);
    }
    await writeOutputs(input, sealed, outputs, manifest);
    return { manifest, rootfs: sealed.rootfs, launch: reused ? 'cached' : 'computed', outputs };
  } finally {
    if (sealed.prepared) await rm(sealed.prepared, { force: true });
  }
}

/** Computes the launch manifest over the image's facts, or throws every problem found. */
function launchFor(input: ExecuteInput, artifact: CachedArtifact, facts: RootfsFacts): LaunchManifest {
  const { envd } = input.inputs;
  return computeLaunch({
    launch: input.spec.launch,
    image: input.inputs.image,
    imageRef: input.imageRef,
    ...(envd ? { envd } : {}),
    facts,
    artifact: { path: 'rootfs.ext4', sha256: artifact.sha256, size: artifact.ext4.size, uuid: artifact.ext4.uuid },
    manifestId: input.plan.roots.manifest,
    planDigest: planDigest(input.plan),
    spans: input.spans,
  });
}

/**
 * Writes the three outputs, the image renamed (or left) into place first. One build at a time
 * writes into an output directory, so its three files always come from the same build, however
 * many builds target it at once.
 */
async function writeOutputs(input: ExecuteInput, sealed: SealedRootfs, outputs: ExecuteResult['outputs'], manifest: LaunchManifest): Promise<void> {
  const outDir = dirname(outputs.rootfs);
  let release: Release | undefined;
  try {
    await mkdir(outDir, { recursive: true });
    release = await lock(join(outDir, '.cube.lock'), () => input.logger.info({ outDir }, `waiting for another build writing into ${outDir}`));
    if (sealed.prepared) {
      await placePrepared(input.cacheDir, sealed.artifact, sealed.prepared, outputs.rootfs);
    } else if ((await placeArtifact(input.cacheDir, sealed.artifact, outputs.rootfs)) === 'unchanged') {
      input.logger.debug({ path: outputs.rootfs }, 'rootfs.ext4 in the output directory is already this artifact');
    }
    await writeFileAtomic(outputs.plan, planToJson(input.plan));
    await writeFileAtomic(outputs.launch, JSON.stringify(manifest, null, 2) + '\n');
  } catch (error) {
    if (error instanceof DiagnosticError || error instanceof ArtifactMismatch) throw error;
    throw notWritable(outDir, error);
  } finally {
    await release?.();
  }
}
