/**
 * The checks that need the base image: USER and COPY --chown names, the command on the image's
 * PATH, /bin/sh for a wrapped entrypoint, WORKDIR, and whether SEAL SIZE can hold the files.
 * They run the build's own steps (applyBuildSteps) and launch checks (checkProcess) over the
 * image's facts, so they say exactly what `cube build` would, only before anything is sealed.
 * The image is used only when it is at hand: a local layout or archive, a registry image whose
 * blobs are all in the cache, or anything when pulling is allowed.
 */
import type { BuildSpec, Platform, SpanTable } from '../core/build-spec.js';
import { execAsBinary, execAsDigest } from '../core/exec-as/index.js';
import { createDiagnostic, DiagnosticError } from '../core/diagnostics/index.js';
import type { Diagnostic } from '../core/diagnostics/index.js';
import { buildCodes } from '../core/diagnostics/codes-build.js';
import { ext4Codes } from '../core/diagnostics/codes-ext4.js';
import type { ResolvedImage } from '../core/image.js';
import { silentLogger } from '../core/log.js';
import { applyBuildSteps, baseImageFacts, checkLaunch, discardingWriter, IndexingWriter, treeContent } from '../executor/build/index.js';
import type { LaunchCheckInput, SealStep } from '../executor/build/index.js';
import type { ImageSources } from '../executor/image/index.js';
import type { FlattenedIndex, FlattenLimits } from '../executor/flatten/index.js';
import { formatImageRef } from '../parser/index.js';
import { lockedManifest } from '../planner/index.js';
import type { ResolvedEnvd } from '../planner/index.js';
import { collect } from './context-checks.js';
import type { Findings } from './context-checks.js';

/** Where the image checks look for the base image. */
export interface ImageSourceInput {
  readonly spec: BuildSpec;
  readonly spans: SpanTable;
  readonly buildFile: string;
  readonly contextDir: string;
  readonly images: ImageSources;
  /** Resolve and fetch the image from its registry when it is not at hand. */
  readonly pull: boolean;
  readonly platform?: Platform;
}

/** What the image checks need besides the image. */
export interface ImageCheckInput {
  readonly spec: BuildSpec;
  readonly spans: SpanTable;
  readonly images: ImageSources;
  readonly cacheDir: string;
  /** The build file's steps as the context checks resolved them (undefined where one failed). */
  readonly steps: readonly (SealStep | undefined)[];
  readonly envd?: ResolvedEnvd;
  readonly limits?: FlattenLimits;
}

const BLOCK = 4096;
const ALIGN = 2 * 1024 * 1024;

/** Bytes the tree's files and directories take at the least (metadata not counted), in whole 2 MiB. */
function contentLowerBound(index: FlattenedIndex): number {
  const { directories, fileBlocks } = treeContent(index);
  return Math.ceil(((directories + fileBlocks) * BLOCK) / ALIGN) * ALIGN;
}

/**
 * The base image when it is at hand (or may be pulled), else why not; an image source's errors
 * (a layout that cannot be read, a tag it does not have) are findings, pointed at FROM.
 */
export async function imageAtHand(input: ImageSourceInput): Promise<Findings & { readonly image?: ResolvedImage; readonly skipped?: string }> {
  const findings: Findings = { diagnostics: [], sources: new Map() };
  const { spec } = input;
  const fromSpan = input.spans.get('/from');
  const wanted = spec.from.platform ?? input.platform;
  const options = { contextDir: input.contextDir, ...(wanted ? { platform: wanted } : {}) };
  const ref = spec.from.image;
  const pinned = await collect(findings, () => lockedManifest(input.buildFile, ref, wanted));
  const resolve = async (): Promise<ResolvedImage | undefined> => {
    if (!input.pull) return input.images.resolveCached(ref, options, pinned);
    return input.images.resolver.resolve(pinned && ref.transport !== 'docker-archive' ? { ...ref, digest: ref.digest ?? pinned } : ref, options);
  };
  const image = await collect(findings, () =>
    resolve().catch((error: unknown) => {
      // An image source's error is about the FROM line.
      throw error instanceof DiagnosticError && fromSpan ? new DiagnosticError(error.diagnostics.map((d) => ({ span: fromSpan, ...d })), error.sources) : error;
    }),
  );
  if (image) return { ...findings, image };
  return findings.diagnostics.length > 0 ? findings : { ...findings, skipped: `${formatImageRef(ref)} is not in the cache (pass --pull to fetch it, or build once)` };
}

/** envd as the launch checks see it: the spec's settings, the file's facts and exec-as for the image. */
function checkedEnvd(inject: NonNullable<BuildSpec['inject']>, resolved: ResolvedEnvd | undefined, architecture: string): NonNullable<LaunchCheckInput['envd']> {
  const execAs = execAsDigest(architecture);
  return {
    imagePath: inject.imagePath,
    args: inject.args,
    port: inject.port,
    ...(inject.firecracker ? { firecracker: true as const } : {}),
    ...(resolved?.interpreter ? { interpreter: resolved.interpreter } : {}),
    ...(execAs ? { execAs } : {}),
  };
}

/** Runs the image checks: the build's own steps and launch checks over the image's facts. */
export async function imageFindings(input: ImageCheckInput, image: ResolvedImage): Promise<Findings> {
  const findings: Findings = { diagnostics: [], sources: new Map() };
  const facts = await collect(findings, () => baseImageFacts(image, input.images.layers, input.cacheDir, input.limits));
  if (!facts) return findings;
  const { spec, spans } = input;
  const architecture = image.platform.architecture;
  const execAs = execAsBinary(architecture);
  const envd = spec.inject && input.envd ? { envd: { file: input.envd, imagePath: spec.inject.imagePath, ...(execAs ? { execAs } : {}) } } : {};
  const steps = input.steps.filter((s): s is SealStep => s !== undefined);
  const problems: Diagnostic[] = [];
  await collect(findings, () =>
    applyBuildSteps(new IndexingWriter(discardingWriter(), facts.index), facts.index, { ...envd, steps, accounts: facts.accounts, mtime: { sec: 0, nsec: 0 }, logger: silentLogger }, (d) => problems.push(d)),
  );
  const checked = checkLaunch({ launch: spec.launch, image, ...(spec.inject ? { envd: checkedEnvd(spec.inject, input.envd, architecture) } : {}), facts, spans });
  // A command that a step which could not be resolved would have copied in is no finding of its own.
  const stepsMissing = steps.length < input.steps.length;
  problems.push(...checked.problems.filter((d) => !(stepsMissing && d.code === buildCodes.workloadNotFound.code)));
  const size = spec.seal.size;
  const need = contentLowerBound(facts.index);
  if (size !== undefined && need > size) {
    const sealSpan = spans.get('/seal');
    problems.push(
      createDiagnostic(ext4Codes.tooSmall, 'filesAlone', { need, mib: need / 1048576, size }, sealSpan ? { span: sealSpan } : {}),
    );
  }
  findings.diagnostics.push(...problems);
  return findings;
}
