/**
 * The remote cache in registries (`--cache-from`, `--cache-to`): a sealed rootfs is an artifact
 * of type {@link CubeMediaType.rootfs} tagged `seal-<hex of the seal node id>`; its config holds
 * the image's digest, its ext4 geometry, the facts of its tree and where its paths came from
 * (what the local cache keeps in entry.json, facts.json and origins.json), its parts are the image's chunks and the plan that made it. An
 * export also moves the tag `latest-<name>` to it, for `cube diff --against REF`.
 *
 * A hit is written into the local cache through the same staging and commit as a local build,
 * after the image reassembled from its chunks hashes to the digest the config records; anything
 * else (an unreachable registry, a corrupt chunk, a foreign artifact) is a warning and a miss.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import type { Diagnostic } from '../../core/diagnostics/index.js';
import { imageCodes } from '../../core/diagnostics/codes-image.js';
import { digestSchema, shortDigest } from '../../core/digest.js';
import type { Digest } from '../../core/digest.js';
import type { Logger } from '../../core/log.js';
import { redactUrlsIn } from '../../core/redact.js';
import { planToJson } from '../../planner/index.js';
import type { Plan } from '../../planner/index.js';
import { commitArtifact, discardStaged, factsFromJson, originsFromValue, stageArtifact } from '../build/index.js';
import type { CachedArtifact, RemoteCache } from '../build/index.js';
import { MediaType, RegistryPusher } from '../image/index.js';
import type { RegistryClient } from '../image/index.js';
import { Annotation, blobOf, CubeMediaType, notCube, partOf } from './artifact.js';
import { downloadImage, readBlob } from './chunks.js';
import type { ChunkSource } from './chunks.js';
import { fetchArtifact, pushArtifact, repositoryText } from './transfer.js';
import type { RepositoryRef } from './transfer.js';

/** The tag of a seal node's entry: its id's hex digits, as a tag may not hold `:`. */
export function sealTag(sealId: Digest): string {
  return `seal-${sealId.slice('sha256:'.length)}`;
}

/** The tag of the latest export of template `name` (what a tag cannot hold becomes `-`). */
export function latestTag(name: string): string {
  return `latest-${name.replace(/[^\w.-]/g, '-')}`.slice(0, 128);
}

const configSchema = z.object({
  version: z.literal(1),
  sealId: digestSchema,
  sha256: digestSchema,
  ext4: z.object({ size: z.number().int().positive(), uuid: z.string(), blockSize: z.number().int(), inodes: z.number().int(), blocks: z.number().int() }),
  facts: z.unknown(),
  origins: z.unknown(),
});

/** What the remote cache needs from the build. */
export interface RegistryCacheOptions {
  readonly from: readonly RepositoryRef[];
  readonly to?: RepositoryRef;
  /** The template's name, for the `latest-<name>` tag. */
  readonly name: string;
  readonly cacheDir: string;
  readonly registries: { client(registry: string): RegistryClient };
  readonly logger: Logger;
  /** Where warnings go (a failed export, an entry that did not verify). */
  readonly warn: (diagnostic: Diagnostic) => void;
}

/** A remote cache in one or more registry repositories. */
export class RegistryCache implements RemoteCache {
  constructor(readonly options: RegistryCacheOptions) {}

  #source(ref: RepositoryRef): ChunkSource {
    return { client: this.options.registries.client(ref.registry), repository: ref.repository };
  }

  /** The first `--cache-from` repository that has the seal node (without fetching it), for `--explain`. */
  async locate(sealId: Digest): Promise<string | undefined> {
    for (const ref of this.options.from) {
      const pusher = new RegistryPusher(this.options.registries.client(ref.registry), ref.repository);
      if (await pusher.hasManifest(sealTag(sealId)).catch(() => false)) return repositoryText(ref);
    }
    return undefined;
  }

  async lookup(sealId: Digest): Promise<CachedArtifact | undefined> {
    for (const ref of this.options.from) {
      const where = `${repositoryText(ref)}:${sealTag(sealId)}`;
      try {
        const artifact = await this.#fetch(ref, sealId, where);
        if (artifact) {
          this.options.logger.info({ node: sealId, from: repositoryText(ref) }, `seal ${shortDigest(sealId)} from ${repositoryText(ref)}`);
          return artifact;
        }
        this.options.logger.info({ node: sealId, from: repositoryText(ref) }, `seal ${shortDigest(sealId)} not in ${repositoryText(ref)}`);
      } catch (error) {
        this.options.warn(createDiagnostic(imageCodes.cacheImportFailed, 'failed', { where, problem: reason(error) }));
      }
    }
    return undefined;
  }

  async #fetch(ref: RepositoryRef, sealId: Digest, where: string): Promise<CachedArtifact | undefined> {
    const source = this.#source(ref);
    const artifact = await fetchArtifact(source, sealTag(sealId), CubeMediaType.rootfs, where);
    if (!artifact) return undefined;
    const parsed = configSchema.safeParse(JSON.parse((await readBlob(source, artifact.manifest.config)).toString('utf8')));
    const facts = parsed.success ? factsFromJson(JSON.stringify(parsed.data.facts)) : undefined;
    const origins = parsed.success ? originsFromValue(parsed.data.origins) : undefined;
    if (!parsed.success || !facts || !origins || parsed.data.sealId !== sealId || origins.seal !== sealId) throw notCube('config', { where });
    const config = parsed.data;
    if (config.ext4.size !== artifact.size) throw notCube('sizes', { where, chunks: artifact.size, config: config.ext4.size });
    const staged = await stageArtifact(this.options.cacheDir, sealId);
    try {
      const sha256 = await downloadImage(source, artifact.chunks, artifact.size, staged.rootfs);
      if (sha256 !== config.sha256) throw new DiagnosticError(createDiagnostic(imageCodes.digestMismatch, 'image', { where, got: sha256, expected: config.sha256, record: 'config' }));
      return await commitArtifact(this.options.cacheDir, staged, sealId, { sha256, ext4: config.ext4, facts, origins });
    } catch (error) {
      await discardStaged(staged);
      throw error;
    }
  }

  async store(artifact: CachedArtifact, plan: Plan): Promise<void> {
    const to = this.options.to;
    if (!to) return;
    const sealId = plan.roots.seal;
    const where = `${repositoryText(to)}:${sealTag(sealId)}`;
    const client = this.options.registries.client(to.registry);
    const pusher = new RegistryPusher(client, to.repository);
    try {
      if (await pusher.hasManifest(sealTag(sealId))) {
        // Already exported (by another machine, or an earlier build): only the latest tag moves.
        const existing = await client.manifest(to.repository, sealTag(sealId));
        await pusher.pushManifest(latestTag(this.options.name), existing.bytes, MediaType.ociManifest);
        this.options.logger.debug({ node: sealId, to: repositoryText(to) }, `seal ${shortDigest(sealId)} is already in ${repositoryText(to)}`);
        return;
      }
      const [facts, origins] = await Promise.all(['facts.json', 'origins.json'].map(async (name): Promise<unknown> => JSON.parse(await readFile(join(artifact.dir, name), 'utf8'))));
      const config = { version: 1, sealId, sha256: artifact.sha256, ext4: artifact.ext4, facts, origins };
      await pushArtifact(
        pusher,
        {
          artifactType: CubeMediaType.rootfs,
          config: blobOf(CubeMediaType.rootfsConfig, Buffer.from(JSON.stringify(config))),
          image: { path: artifact.rootfs, size: artifact.ext4.size },
          parts: [blobOf(CubeMediaType.plan, Buffer.from(planToJson(plan)), { [Annotation.title]: 'plan.json' })],
          annotations: { [Annotation.sealNode]: sealId, [Annotation.imageDigest]: artifact.sha256, [Annotation.imageSize]: String(artifact.ext4.size) },
        },
        [sealTag(sealId), latestTag(this.options.name)],
      );
      this.options.logger.info({ node: sealId, to: repositoryText(to) }, `exported seal ${shortDigest(sealId)} to ${repositoryText(to)}`);
    } catch (error) {
      this.options.warn(createDiagnostic(imageCodes.cacheExportFailed, 'failed', { where, problem: reason(error) }));
    }
  }
}

/**
 * The plan kept with the remote cache entry under `reference` (a `seal-…` or `latest-…` tag, or
 * a digest), as text; undefined when the repository has no such entry.
 */
export async function cachedPlan(source: ChunkSource, reference: string, where: string): Promise<string | undefined> {
  const artifact = await fetchArtifact(source, reference, CubeMediaType.rootfs, where);
  return artifact ? (await readBlob(source, partOf(artifact.manifest, CubeMediaType.plan, where))).toString('utf8') : undefined;
}

/** What went wrong, for a warning: the diagnostics' messages with their codes, or the error's message. */
function reason(error: unknown): string {
  if (error instanceof DiagnosticError) return error.diagnostics.map((d) => `${d.message} (${d.code})`).join('; ');
  return redactUrlsIn(error instanceof Error ? error.message : String(error));
}

