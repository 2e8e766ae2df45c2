/**
 * BuildSpec to plan: every input resolved and hashed once (the image through the lockfile, envd,
 * COPY sources), then the nodes. Filesystem nodes chain image → layers → rootfs → inject →
 * steps → seal; launch settings live in their own node beside the seal, so changing CMD, ENV,
 * EXPOSE, LABEL, USER or the entrypoint never touches the seal's id.
 */
import { readFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import type { BuildSpec, Platform, SpanTable } from '../core/build-spec.js';
import { createDiagnostic, DiagnosticError } from '../core/diagnostics/index.js';
import { planCodes } from '../core/diagnostics/codes-plan.js';
import type { Diagnostic, Origin, Span } from '../core/diagnostics/index.js';
import type { Digest } from '../core/digest.js';
import type { ImageResolver, ResolvedImage } from '../core/image.js';
import { sourceDateEpoch } from '../core/epoch.js';
import { formatPlatform, hostPlatform, platformSatisfies } from '../core/platform.js';
import type { HostFile, PlannedCopy } from '../core/host-inputs.js';
import { formatImageRef } from '../parser/image-ref.js';
import { BuildContext } from './context.js';
import { PlanNodes, planEnvd, planImage, planOutputs, planSteps } from './plan-nodes.js';
import { envdWithoutInject } from './envd.js';
import { HostFileHasher } from './host-files.js';
import { resolveLocked } from './lockfile.js';
import type { LockMode } from './lockfile.js';
import { sourceLines } from './source-lines.js';
import type { Plan } from './plan.js';

/** What to plan. */
export interface PlanInput {
  readonly spec: BuildSpec;
  readonly spans: SpanTable;
  /** Absolute path of the build file. */
  readonly buildFile: string;
  /** The build context (COPY sources are relative to it). */
  readonly contextDir: string;
  readonly envdPathFlag?: string;
  /** A loaded hasher to share (with `cube build`'s checks), so no host file is hashed twice. */
  readonly hasher?: HostFileHasher;
  /** `--envd-max-size`: the largest envd accepted, in bytes (default 16 MiB). */
  readonly envdMaxSize?: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly resolver: ImageResolver;
  readonly cacheDir: string;
  readonly lock: LockMode;
  /** `--platform`: the platform to build for when FROM names none (default: the host's). */
  readonly platform?: Platform;
}

/** A resolved filesystem step, in build-file order. */
export type PlannedStep =
  | { readonly kind: 'copy'; readonly nodeId: Digest; readonly copy: PlannedCopy }
  | { readonly kind: 'workdir'; readonly nodeId: Digest; readonly path: string };

/** envd as planned: the host file, where it goes, how it starts, and the exec-as helper beside it. */
export type PlannedEnvd = HostFile & {
  readonly origin: Origin;
  readonly imagePath: string;
  readonly port: number;
  readonly args: readonly string[];
  readonly firecracker?: true;
  /** The dynamic loader envd needs in the image, when it is not static. */
  readonly interpreter?: string;
  /** The digest of exec-as for the image's architecture; absent where cube has none. */
  readonly execAs?: Digest;
};

/** Inputs the executor needs beside the plan; host paths live only here, never in a hash. */
export interface PlanInputs {
  readonly image: ResolvedImage;
  readonly envd?: PlannedEnvd;
  readonly steps: readonly PlannedStep[];
  /** SOURCE_DATE_EPOCH, else 0: the seal node's timestamp, read once here. */
  readonly epoch: number;
}

/** A plan with its inputs and any warnings. */
export interface PlanResult {
  readonly plan: Plan;
  readonly inputs: PlanInputs;
  readonly diagnostics: readonly Diagnostic[];
  /** Host files actually read while hashing (0 when the stat cache covered everything). */
  readonly filesRead: number;
}

/**
 * An image for another platform than the build's cannot run in the sandbox: refused when a
 * platform was asked for (FROM --platform, else --platform), a warning when it was only the
 * host's default, as Docker does. A single-platform image is where this shows; an index without
 * the platform already failed to resolve.
 */
function checkPlatform(
  image: ResolvedImage,
  spec: BuildSpec,
  flag: Platform | undefined,
  fromSpan: Span | undefined,
): Diagnostic[] {
  const wanted = spec.from.platform ?? flag ?? hostPlatform();
  if (platformSatisfies(image.platform, wanted)) return [];
  const values = { ref: formatImageRef(spec.from.image), platform: formatPlatform(image.platform), wanted: formatPlatform(wanted) };
  const where = fromSpan ? { span: fromSpan } : {};
  if (spec.from.platform || flag) throw new DiagnosticError(createDiagnostic(planCodes.platformRefused, spec.from.platform ? 'fromFlag' : 'commandLine', values, where));
  return [createDiagnostic(planCodes.platformMismatch, 'hostOnly', values, where)];
}

/** Plans a build. Throws DiagnosticError for user and environment errors. */
export async function planBuild(input: PlanInput): Promise<PlanResult> {
  const { spec, spans } = input;
  const text = await readFile(input.buildFile, 'utf8').catch(() => '');
  const shownFile = relative(dirname(input.buildFile), input.buildFile);
  // Before the image is resolved, so Cubefile.lock is not written for a build that cannot run.
  const stray = envdWithoutInject({ injects: spec.inject !== undefined, ...(input.envdPathFlag !== undefined ? { flag: input.envdPathFlag } : {}), env: input.env, file: shownFile });
  if (stray) throw new DiagnosticError(stray);
  const hasher = input.hasher ?? new HostFileHasher(input.cacheDir);
  if (!input.hasher) await hasher.load();
  const nodes = new PlanNodes(sourceLines(text, shownFile), shownFile);
  const fromSpan = spans.get('/from');
  const wanted = spec.from.platform ?? input.platform;
  let diagnostics: Diagnostic[] = [];
  const { image, pinned } = await resolveLocked({
    ref: spec.from.image,
    ...(wanted ? { platform: wanted } : {}),
    resolver: input.resolver,
    contextDir: input.contextDir,
    buildFile: input.buildFile,
    mode: input.lock,
    ...(fromSpan ? { span: fromSpan } : {}),
    accept: (resolved) => {
      diagnostics = checkPlatform(resolved, spec, input.platform, fromSpan);
    },
  });
  const { imageNode, rootfs } = planImage(nodes, spec, image, pinned, fromSpan);
  const injected = spec.inject ? await planEnvd(nodes, rootfs, { ...input, hasher, image }) : { fs: rootfs, diagnostics: [] };
  const context = await BuildContext.open(input.contextDir, hasher);
  const { fs, steps } = await planSteps(nodes, injected.fs, spec, spans, context);
  const epoch = sourceDateEpoch(input.env);
  const roots = planOutputs(nodes, { fs, image: imageNode, spec, spans, epoch });
  await hasher.save();
  return {
    plan: { version: 1, nodes: nodes.nodes, roots, sources: nodes.sources },
    inputs: { image, ...('envd' in injected ? { envd: injected.envd } : {}), steps, epoch },
    diagnostics: [...diagnostics, ...injected.diagnostics],
    filesRead: hasher.reads,
  };
}
