/**
 * Executes a plan: reuses the sealed rootfs from the cache when the seal node is there, seals it
 * otherwise, then computes the launch manifest and writes the outputs (`rootfs.ext4`,
 * `launch.json`, `plan.json`) atomically into the output directory.
 */
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { BuildSpec, SpanTable } from '../../core/build-spec.js';
import { DiagnosticError } from '../../core/diagnostics/index.js';
import { sha256Digest } from '../../core/digest.js';
import type { Digest } from '../../core/digest.js';
import type { LayerSource } from '../../core/image.js';
import type { Logger, ProgressSink } from '../../core/log.js';
import { temporaryPathFor, writeFileAtomic } from '../../core/paths.js';
import type { Plan, PlanInputs } from '../../planner/index.js';
import { planToJson } from '../../planner/index.js';
import type { LaunchManifest } from '../launch/index.js';
import { commitArtifact, copyAndHash, discardStaged, lookupArtifact, placeArtifact, placePrepared, sha256File, stageArtifact } from './artifact-cache.js';
import type { CachedArtifact, CacheLookup } from './artifact-cache.js';
import { computeLaunch } from './launch.js';
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
  /** SOURCE_DATE_EPOCH, else 0: timestamps of what cube creates. */
  readonly epoch: number;
  /** Rebuild the rootfs even when the cache has it. */
  readonly noCache: boolean;
  readonly logger: Logger;
  readonly progress: ProgressSink;
}

/** What a build produced and how. */
export interface ExecuteResult {
  readonly manifest: LaunchManifest;
  /** `cached`: the seal node came from the cache; `built`: it was sealed now. */
  readonly rootfs: 'cached' | 'built';
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
      ...(envd ? { envd: { file: { hostPath: envd.hostPath, digest: envd.digest, size: envd.size }, imagePath: envd.imagePath } } : {}),
      steps,
      seal: input.spec.seal,
      sealId,
      epoch: input.epoch,
      path: staged.rootfs,
      logger: input.logger,
      progress: input.progress,
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
    return { artifact, rootfs: 'built', prepared };
  } catch (error) {
    await discardStaged(staged);
    throw error;
  }
}

/** Runs the build described by `input`. User and environment problems throw DiagnosticError. */
export async function executeBuild(input: ExecuteInput): Promise<ExecuteResult> {
  const outDir = resolve(input.outDir);
  const outputs = { rootfs: join(outDir, 'rootfs.ext4'), launch: join(outDir, 'launch.json'), plan: join(outDir, 'plan.json') };
  const lookup = await lookupArtifact(input.cacheDir, input.plan.roots.seal);
  const { artifact, rootfs, prepared } = await sealOrReuse(input, lookup, outputs.rootfs);
  try {
    return await finishOutputs(input, artifact, rootfs, outputs, prepared);
  } finally {
    if (prepared) await rm(prepared, { force: true });
  }
}

/** Computes the launch manifest and writes the three outputs, the image last renamed into place. */
async function finishOutputs(
  input: ExecuteInput,
  artifact: CachedArtifact,
  rootfs: 'cached' | 'built',
  outputs: ExecuteResult['outputs'],
  prepared: string | undefined,
): Promise<ExecuteResult> {
  const outDir = dirname(outputs.rootfs);
  const { envd } = input.inputs;
  const manifest = computeLaunch({
    launch: input.spec.launch,
    image: input.inputs.image,
    imageRef: input.imageRef,
    ...(envd ? { envd: { imagePath: envd.imagePath, args: envd.args, port: envd.port, sha256: envd.digest } } : {}),
    facts: artifact.facts,
    artifact: { path: 'rootfs.ext4', sha256: artifact.sha256, size: artifact.ext4.size, uuid: artifact.ext4.uuid },
    manifestId: input.plan.roots.manifest,
    planDigest: planDigest(input.plan),
    spans: input.spans,
  });
  if (input.spec.launch.wrap && envd) input.logger.info({ argv: manifest.process.argv }, `entrypoint wrapped: envd starts from ${envd.imagePath} beside the workload`);
  try {
    await mkdir(outDir, { recursive: true });
    if (prepared) await placePrepared(artifact, prepared, outputs.rootfs);
    else if ((await placeArtifact(artifact, outputs.rootfs)) === 'unchanged') input.logger.debug({ path: outputs.rootfs }, 'rootfs.ext4 in the output directory is already this artifact');
    await writeFileAtomic(outputs.plan, planToJson(input.plan));
    await writeFileAtomic(outputs.launch, JSON.stringify(manifest, null, 2) + '\n');
  } catch (error) {
    if (error instanceof DiagnosticError) throw error;
    throw notWritable(outDir, error);
  }
  return { manifest, rootfs, outputs };
}
