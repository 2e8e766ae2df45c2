/**
 * Executes a plan: reuses the sealed rootfs from the cache when the seal node is there, seals it
 * otherwise; reuses the launch manifest kept with it when the manifest node is unchanged,
 * computes it otherwise; then writes the outputs (`rootfs.ext4`, `launch.json`, `plan.json`,
 * `origins.json`) atomically into the output directory.
 */
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DiagnosticError } from '../../core/diagnostics/index.js';
import { sha256Digest } from '../../core/digest.js';
import type { Digest } from '../../core/digest.js';
import { lock } from '../../core/lock.js';
import type { Release } from '../../core/lock.js';
import { removeDeadTemporaries, writeFileAtomic } from '../../core/paths.js';
import type { Plan } from '../../planner/index.js';
import { imageRefOf, launchSpecOf, planToJson } from '../../planner/index.js';
import type { LaunchManifest } from '../launch/index.js';
import { ArtifactMismatch, discardArtifact, lookupArtifact, placeArtifact, readCachedLaunch, readFacts, readOrigins, writeCachedLaunch } from './artifact-cache.js';
import type { CachedArtifact, CacheLookup } from './artifact-cache.js';
import { computeLaunch } from './launch.js';
import { originsToJson } from './origins.js';
import type { Origins } from './origins.js';
import type { RootfsFacts } from './rootfs-facts.js';
import { notWritable } from './seal.js';
import type { ExecuteInput, ExecuteResult, SealedRootfs } from './execute-types.js';
import { sealNode } from './seal-node.js';

export type { ExecuteInput, ExecuteResult } from './execute-types.js';

/** The digest of a plan's nodes (its side table of descriptions and locations excluded). */
export function planDigest(plan: Plan): Digest {
  return sha256Digest(JSON.stringify(plan.nodes.map((n) => n.id)));
}

async function sealOrReuse(input: ExecuteInput, lookup: CacheLookup): Promise<SealedRootfs> {
  const sealId = input.plan.roots.seal;
  if (lookup.state === 'hit' && !input.noCache) {
    input.logger.info({ node: sealId }, `rootfs ${sealId.slice(7, 19)} found in the cache; not rebuilt`);
    return { artifact: lookup.artifact, rootfs: 'cached' };
  }
  if (lookup.state === 'corrupt') input.logger.warn({ node: sealId, reason: lookup.reason }, `cached rootfs is corrupt (${lookup.reason}); rebuilding`);
  return sealNode(input);
}

/** Runs the build described by `input`. User and environment problems throw DiagnosticError. */
export async function executeBuild(input: ExecuteInput): Promise<ExecuteResult> {
  const outDir = resolve(input.outDir);
  const outputs = { rootfs: join(outDir, 'rootfs.ext4'), launch: join(outDir, 'launch.json'), plan: join(outDir, 'plan.json'), origins: join(outDir, 'origins.json') };
  // What a killed build left (an image half-copied into the output, a staged entry) goes now.
  await Promise.all([outDir, join(input.cacheDir, 'artifacts'), join(input.cacheDir, 'bases'), join(input.cacheDir, 'layers', 'sha256')].map(removeDeadTemporaries));
  const sealId = input.plan.roots.seal;
  let lookup = await lookupArtifact(input.cacheDir, sealId);
  // The remote is asked before sealing, so a hit fetches nothing of the base image.
  const fetched = lookup.state !== 'hit' && !input.noCache ? await input.remote?.lookup(sealId) : undefined;
  if (fetched) lookup = { state: 'hit', artifact: fetched };
  let result: ExecuteResult;
  try {
    result = await buildInto(input, outputs, lookup);
  } catch (error) {
    if (!(error instanceof ArtifactMismatch)) throw error;
    // Verified reuse: bytes that are not the recorded ones are never an output; seal afresh.
    input.logger.warn({ node: sealId, reason: error.message }, `${error.message}; discarding the entry and sealing again`);
    await discardArtifact(error.artifact);
    result = await buildInto(input, outputs, { state: 'missing' });
  }
  if (fetched && result.rootfs === 'cached') return { ...result, rootfs: 'remote' };
  const entry = input.remote ? await lookupArtifact(input.cacheDir, sealId) : undefined;
  if (entry?.state === 'hit') await input.remote?.store(entry.artifact, input.plan);
  return result;
}

/** Seals (or reuses) the rootfs, computes (or reuses) the launch manifest, writes the outputs. */
async function buildInto(input: ExecuteInput, outputs: ExecuteResult['outputs'], lookup: CacheLookup): Promise<ExecuteResult> {
  let sealed = await sealOrReuse(input, lookup);
  let origins = sealed.origins ?? (await readOrigins(sealed.artifact, input.plan.roots.seal));
  if (!origins) {
    // Like unreadable facts below: an entry whose origins cannot be read is sealed again.
    sealed = await sealOrReuse(input, { state: 'corrupt', reason: 'origins.json is not valid' });
    origins = sealed.origins as Origins;
  }
  const manifestId = input.plan.roots.manifest;
  let manifest = sealed.rootfs === 'cached' ? await readCachedLaunch(sealed.artifact, manifestId) : undefined;
  const reused = manifest !== undefined;
  if (!manifest) {
    let facts = sealed.facts ?? (await readFacts(sealed.artifact));
    if (!facts) {
      // A cached image whose facts are unreadable cannot be checked against: seal it again.
      sealed = await sealOrReuse(input, { state: 'corrupt', reason: 'facts.json is not valid' });
      facts = sealed.facts as RootfsFacts;
    }
    manifest = launchFor(input, sealed.artifact, facts);
    // Keeping it is an optimisation: a cache that cannot be written (read-only) is no error.
    await writeCachedLaunch(sealed.artifact, manifestId, manifest).catch((error: unknown) => {
      input.logger.debug({ error: error instanceof Error ? error.message : String(error) }, 'launch manifest not kept in the cache');
    });
  }
  const { envd } = input.inputs;
  if (launchSpecOf(input.plan).wrap && envd) {
    // Say whether the wrapping was done now or comes with a launch manifest from the cache.
    const how = reused ? ' (launch manifest from the cache)' : '';
    input.logger.info({ argv: manifest.process.argv, reused }, `entrypoint wrapped${how}: envd starts from ${envd.imagePath} beside the workload`);
  }
  await writeOutputs(input, sealed, outputs, { manifest, origins });
  return { manifest, rootfs: sealed.rootfs, launch: reused ? 'cached' : 'computed', outputs, ...(sealed.base ? { base: sealed.base } : {}) };
}

/** Computes the launch manifest over the image's facts, or throws every problem found. */
function launchFor(input: ExecuteInput, artifact: CachedArtifact, facts: RootfsFacts): LaunchManifest {
  const { envd } = input.inputs;
  return computeLaunch({
    launch: launchSpecOf(input.plan),
    image: input.inputs.image,
    imageRef: imageRefOf(input.plan),
    ...(envd ? { envd } : {}),
    facts,
    artifact: { path: 'rootfs.ext4', sha256: artifact.sha256, size: artifact.ext4.size, uuid: artifact.ext4.uuid },
    manifestId: input.plan.roots.manifest,
    planDigest: planDigest(input.plan),
    spans: input.spans,
  });
}

/**
 * Writes the outputs, the image renamed (or left) into place first. One build at a time writes
 * into an output directory, so its files always come from the same build, however many builds
 * target it at once.
 */
async function writeOutputs(input: ExecuteInput, sealed: SealedRootfs, outputs: ExecuteResult['outputs'], documents: { manifest: LaunchManifest; origins: Origins }): Promise<void> {
  const outDir = dirname(outputs.rootfs);
  let release: Release | undefined;
  try {
    await mkdir(outDir, { recursive: true });
    release = await lock(join(outDir, '.cube.lock'), () => input.logger.info({ outDir }, `waiting for another build writing into ${outDir}`));
    // An image sealed now was hashed from its own bytes: placing it needs no second read.
    if ((await placeArtifact(input.cacheDir, sealed.artifact, outputs.rootfs, sealed.rootfs === 'built')) === 'unchanged') {
      input.logger.debug({ path: outputs.rootfs }, 'rootfs.ext4 in the output directory is already this artifact');
    }
    await writeFileAtomic(outputs.plan, planToJson(input.plan));
    await writeFileAtomic(outputs.origins, originsToJson(documents.origins));
    await writeFileAtomic(outputs.launch, JSON.stringify(documents.manifest, null, 2) + '\n');
  } catch (error) {
    if (error instanceof DiagnosticError || error instanceof ArtifactMismatch) throw error;
    throw notWritable(outDir, error);
  } finally {
    await release?.();
  }
}
