/**
 * Sealing the plan's seal node into a new cache entry: from the flattened base when the cache
 * has one for the plan's layers (docs/incremental.md), else from the layers; the new image is
 * then hashed on another core while this one checks the base's data. The output is a link to the entry
 * (see placeArtifact), so the image is written once.
 */
import { join } from 'node:path';
import { sha256Digest } from '../../core/digest.js';
import type { Digest } from '../../core/digest.js';
import { execAsBinary } from '../../core/exec-as/index.js';
import { sealOptionsOf } from '../../planner/index.js';
import { commitStaged, discardStaged, stageArtifact, stageDocuments } from './artifact-cache.js';
import type { ExecuteInput, SealedRootfs } from './execute-types.js';
import { baseDataChecksum, baseKeyOf, discardBase, findBase, keepBase } from './flattened-base.js';
import type { FlattenedBase } from './flattened-base.js';
import { digestFileInWorker } from '../../core/hash-worker.js';
import { readImage } from './image-copy.js';
import { originsOf } from './origins.js';
import { notWritable, sealRootfs } from './seal.js';
import type { SealStep } from './seal.js';

/** exec-as for the image, the bytes the plan hashed: a mismatch is a bug in cube, not a user error. */
function execAsFor(digest: Digest | undefined, architecture: string): { execAs?: Uint8Array } {
  if (!digest) return {};
  const binary = execAsBinary(architecture);
  if (!binary || sha256Digest(binary) !== digest) throw new Error(`exec-as for ${architecture} is not the one the plan hashed (${digest})`);
  return { execAs: binary };
}

/** An image made from a base whose data is not what the base recorded. */
class BaseMismatch extends Error {}

/** Seals the plan's seal node and commits it to the cache. */
export async function sealNode(input: ExecuteInput): Promise<SealedRootfs> {
  const key = baseKeyOf(input.plan);
  const base = key && !input.noCache ? await findBase(input.cacheDir, key) : undefined;
  try {
    return await sealFrom(input, key, base);
  } catch (error) {
    if (!(error instanceof BaseMismatch) || !base) throw error;
    input.logger.warn({ base: base.sealedBy }, `the flattened rootfs of seal ${base.sealedBy.slice(7, 19)} changed on disk; discarding it and sealing from the layers`);
    await discardBase(base);
    return await sealFrom(input, key, undefined);
  }
}

async function sealFrom(input: ExecuteInput, key: Digest | undefined, base: FlattenedBase | undefined): Promise<SealedRootfs> {
  const sealId = input.plan.roots.seal;
  const staged = await stageArtifact(input.cacheDir, sealId).catch((error: unknown) => {
    throw notWritable(join(input.cacheDir, 'artifacts'), error);
  });
  try {
    const { envd } = input.inputs;
    const steps: SealStep[] = input.inputs.steps.map((step, i) => {
      const where = input.spans.get(`/steps/${i}`);
      return step.kind === 'copy' ? { kind: 'copy', copy: step.copy, ...(where ? { where } : {}) } : { kind: 'workdir', path: step.path, ...(where ? { where } : {}) };
    });
    const architecture = input.inputs.image.platform.architecture;
    const sealed = await sealRootfs(
      {
        image: input.inputs.image,
        layers: input.layers,
        cacheDir: input.cacheDir,
        ...(envd ? { envd: { file: { hostPath: envd.hostPath, digest: envd.digest, size: envd.size }, imagePath: envd.imagePath, ...execAsFor(envd.execAs, architecture) } } : {}),
        steps,
        seal: sealOptionsOf(input.plan),
        sealId,
        epoch: input.inputs.epoch,
        path: staged.rootfs,
        logger: input.logger,
        progress: input.progress,
        ...(input.limits ? { limits: input.limits } : {}),
      },
      base,
    );
    // The new image is hashed on another core while this one checksums the base's data in it
    // and writes the entry's documents.
    const digesting = digestFileInWorker(staged.rootfs);
    // Awaited below; until then a failure must not count as unhandled.
    digesting.catch(() => undefined);
    const next = base ? base.writer.next : sealed.base?.next;
    const checksum = next !== undefined ? baseDataChecksum(next) : undefined;
    if (checksum) await readImage(staged.rootfs, checksum.see);
    if (base && checksum?.value() !== base.checksum) throw new BaseMismatch();
    const origins = originsOf(input.plan, input.inputs.steps.map((s) => s.nodeId), sealed.origins);
    await stageDocuments(staged, { facts: sealed.facts, origins });
    const artifact = await commitStaged(input.cacheDir, staged, sealId, { sha256: await digesting, ext4: sealed.ext4 });
    if (key && sealed.base && checksum) {
      // Keeping it only makes later builds faster: a cache that cannot take it is no error.
      await keepBase(input.cacheDir, key, sealed.base, checksum.value(), artifact.rootfs).catch((error: unknown) => {
        input.logger.debug({ error: error instanceof Error ? error.message : String(error) }, 'flattened base not kept in the cache');
      });
    }
    return { artifact, rootfs: 'built', facts: sealed.facts, origins, ...(base ? { base: { sealedBy: base.sealedBy, layers: base.layers } } : {}) };
  } catch (error) {
    await discardStaged(staged);
    throw error;
  }
}
