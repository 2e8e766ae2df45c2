/**
 * A build's output directory as one registry artifact ({@link CubeMediaType.template}), for
 * `cube push` and `cube pull`: rootfs.ext4 as zstd chunks, then launch.json and plan.json as
 * they are on disk; the image's digest and size and the plan's digest are annotations. A pull
 * verifies every blob against its digest and the reassembled image against launch.json, in a
 * staging directory beside the output that is renamed into place only when all of it checked.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { buildCodes } from '../../core/diagnostics/codes-build.js';
import { imageCodes } from '../../core/diagnostics/codes-image.js';
import type { Digest } from '../../core/digest.js';
import { removeDeadTemporaries, syncDirectory, temporaryPathFor } from '../../core/paths.js';
import { parsePlanJson } from '../../planner/index.js';
import { launchManifestSchema } from '../launch/index.js';
import type { LaunchManifest } from '../launch/index.js';
import { RegistryPusher } from '../image/index.js';
import { Annotation, annotatedDigest, blobOf, CubeMediaType, notCube, partOf } from './artifact.js';
import { downloadImage, readBlob } from './chunks.js';
import type { ChunkSource } from './chunks.js';
import { fetchArtifact, pushArtifact } from './transfer.js';

/** An output directory checked against its launch.json (see src/runner/artifact.ts). */
export interface TemplateDir {
  readonly dir: string;
  readonly rootfs: string;
  readonly manifest: LaunchManifest;
}

/** Publishes the output directory under `tag`; returns the artifact's digest. */
export async function pushTemplate(source: ChunkSource, template: TemplateDir, tag: string): Promise<Digest> {
  const [launch, plan] = await Promise.all([readFile(join(template.dir, 'launch.json')), readFile(join(template.dir, 'plan.json'))]);
  parsePlanJson(plan.toString('utf8'), join(template.dir, 'plan.json'));
  const { artifact, planDigest } = template.manifest;
  return pushArtifact(
    new RegistryPusher(source.client, source.repository),
    {
      artifactType: CubeMediaType.template,
      config: blobOf(CubeMediaType.empty, Buffer.from('{}')),
      image: { path: template.rootfs, size: artifact.size },
      parts: [blobOf(CubeMediaType.launch, launch, { [Annotation.title]: 'launch.json' }), blobOf(CubeMediaType.plan, plan, { [Annotation.title]: 'plan.json' })],
      annotations: { [Annotation.imageDigest]: artifact.sha256, [Annotation.imageSize]: String(artifact.size), [Annotation.planDigest]: planDigest },
    },
    [tag],
  );
}

/** Fetches the template under `reference` (a tag or digest) into `outDir`; returns the artifact's digest. */
export async function pullTemplate(source: ChunkSource, reference: string, where: string, outDir: string): Promise<Digest> {
  const fetched = await fetchArtifact(source, reference, CubeMediaType.template, where);
  if (!fetched) throw new DiagnosticError(createDiagnostic(imageCodes.notFound, 'missing', { registry: source.client.registry, what: where.slice(where.indexOf('/') + 1) }));
  const { manifest } = fetched;
  const [launch, plan] = await Promise.all([readBlob(source, partOf(manifest, CubeMediaType.launch, where)), readBlob(source, partOf(manifest, CubeMediaType.plan, where))]);
  const parsed = launchManifestSchema.safeParse(jsonOrUndefined(launch));
  if (!parsed.success) throw notCube('launch', { where });
  parsePlanJson(plan.toString('utf8'), `${where} plan.json`);
  const { sha256, size } = parsed.data.artifact;
  if (annotatedDigest(manifest, Annotation.imageDigest, where) !== sha256 || fetched.size !== size) throw notCube('image', { where });
  // What a killed pull left beside the output (its staging directory) goes now.
  await removeDeadTemporaries(dirname(outDir));
  const staging = temporaryPathFor(outDir);
  try {
    await mkdir(staging, { recursive: true });
    const got = await downloadImage(source, fetched.chunks, fetched.size, join(staging, 'rootfs.ext4'));
    if (got !== sha256) throw new DiagnosticError(createDiagnostic(imageCodes.digestMismatch, 'image', { where, got, expected: sha256, record: 'launch.json' }));
    await writeFile(join(staging, 'launch.json'), launch);
    await writeFile(join(staging, 'plan.json'), plan);
    await syncDirectory(staging);
    await replaceDirectory(staging, outDir);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (error instanceof DiagnosticError) throw error;
    throw new DiagnosticError(createDiagnostic(buildCodes.outputNotWritable, 'cannotWrite', { path: outDir, problem: (error as Error).message }));
  }
  return fetched.digest;
}

/** Puts `staged` where `target` is: the old directory (if any) is moved aside first, then removed. */
async function replaceDirectory(staged: string, target: string): Promise<void> {
  const exists = await stat(target).then(
    () => true,
    () => false,
  );
  const aside = temporaryPathFor(target);
  if (exists) await rename(target, aside);
  try {
    await rename(staged, target);
  } catch (error) {
    if (exists) await rename(aside, target).catch(() => undefined);
    throw error;
  }
  if (exists) await rm(aside, { recursive: true, force: true });
}

function jsonOrUndefined(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}
