/**
 * BuildSpec to plan: every input resolved and hashed once (the image through the lockfile, envd,
 * COPY sources), then the nodes. Filesystem nodes chain image → layers → rootfs → inject →
 * steps → seal; launch settings live in their own node beside the seal, so changing CMD, ENV,
 * EXPOSE, LABEL, USER or the entrypoint never touches the seal's id.
 */
import { readFile } from 'node:fs/promises';
import { dirname, posix, relative } from 'node:path';
import type { BuildSpec, Chown, Platform, SpanTable } from '../core/build-spec.js';
import { createDiagnostic, DiagnosticError } from '../core/diagnostics/index.js';
import { planCodes } from '../core/diagnostics/codes-plan.js';
import type { Diagnostic, Origin, Span } from '../core/diagnostics/index.js';
import type { Digest } from '../core/digest.js';
import { EXEC_AS_PATH, execAsDigest } from '../core/exec-as/index.js';
import { pathOf } from '../core/image.js';
import type { ImageResolver, ResolvedImage } from '../core/image.js';
import { sourceDateEpoch } from '../core/epoch.js';
import { formatBytes } from '../core/format.js';
import { escapeName, nameToBytes } from '../core/names.js';
import { formatPlatform, hostPlatform, platformSatisfies } from '../core/platform.js';
import type { CopySource, CopyStep, HostFile } from '../executor/inject/index.js';
import { formatImageRef } from '../parser/image-ref.js';
import { BuildContext } from './context.js';
import { envdWithoutInject, originLabel, resolveEnvd } from './envd.js';
import { HostFileHasher } from './host-files.js';
import { resolveLocked } from './lockfile.js';
import type { LockMode } from './lockfile.js';
import { makeNode } from './plan.js';
import { imageConfigSummary, launchFieldSources, sourceLines } from './source-lines.js';
import type { JsonValue, NodeSource, Plan, PlanNode, PlanNodeKind } from './plan.js';

/** The ext4 writer's on-disk format version: part of the seal node, so a writer change reseals. */
export const EXT4_FORMAT_VERSION = 1;

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
  | { readonly kind: 'copy'; readonly nodeId: Digest; readonly copy: Omit<CopyStep, 'owner'> & { readonly chown?: Chown } }
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
 * A name as plan fields. The plan is hashed as RFC 8785 JSON, which holds only valid Unicode: a
 * name with bytes that are not UTF-8 is shown escaped (`caf\\xe9`) with its exact bytes in hex
 * beside it (`<key>Hex`), so it never hashes like the valid name its escape spells.
 */
function nameFields(key: string, name: string): Record<string, string> {
  const shown = escapeName(name);
  return shown === name ? { [key]: name } : { [key]: shown, [`${key}Hex`]: nameToBytes(name).toString('hex') };
}

function copyParams(sources: readonly CopySource[]): JsonValue {
  return sources.map((s) => ({
    ...nameFields('name', s.name),
    isDir: s.isDir,
    entries: s.entries.map((e) => {
      const relative = nameFields('relative', e.relative);
      if (e.type === 'file') return { type: e.type, ...relative, digest: e.digest, size: e.size, mode: e.mode };
      return e.type === 'dir' ? { type: e.type, ...relative, mode: e.mode } : { type: e.type, ...relative, ...nameFields('linkTarget', e.linkTarget) };
    }),
  }));
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
  const what = `${formatImageRef(spec.from.image)} is built for ${formatPlatform(image.platform)}`;
  const where = fromSpan ? { span: fromSpan } : {};
  if (spec.from.platform) {
    throw new DiagnosticError(createDiagnostic(planCodes.platformRefused, `${what}, but FROM --platform asks for ${formatPlatform(wanted)}`, where));
  }
  if (flag) throw new DiagnosticError(createDiagnostic(planCodes.platformRefused, `${what}, but --platform asks for ${formatPlatform(wanted)}`, where));
  return [
    createDiagnostic(planCodes.platformMismatch, `${what}, not for this host's ${formatPlatform(wanted)}`, {
      ...where,
      notes: [{ message: `the template will run only where ${formatPlatform(image.platform)} binaries run` }],
    }),
  ];
}

/** Plans a build. Throws DiagnosticError for user and environment errors. */
export async function planBuild(input: PlanInput): Promise<PlanResult> {
  const { spec, spans } = input;
  const text = await readFile(input.buildFile, 'utf8').catch(() => '');
  const shownFile = relative(dirname(input.buildFile), input.buildFile);
  // Before the image is resolved, so Cubefile.lock is not written for a build that cannot run.
  const stray = envdWithoutInject({ injects: spec.inject !== undefined, ...(input.envdPathFlag !== undefined ? { flag: input.envdPathFlag } : {}), env: input.env, file: shownFile });
  if (stray) throw new DiagnosticError(stray);
  const lineOf = sourceLines(text, shownFile);
  const location = (span: Span | undefined): string | undefined => lineOf(span)?.location;
  const hasher = input.hasher ?? new HostFileHasher(input.cacheDir);
  if (!input.hasher) await hasher.load();
  const nodes: PlanNode[] = [];
  const sources: Record<string, NodeSource> = {};
  const add = (kind: PlanNodeKind, params: JsonValue, inputs: PlanNode['inputs'], source: Omit<NodeSource, 'location' | 'instruction'> & { span?: Span | undefined }): PlanNode => {
    const node = makeNode(kind, params, inputs);
    if (!sources[node.id]) {
      nodes.push(node);
      const { span, ...rest } = source;
      sources[node.id] = { ...rest, ...lineOf(span) };
    }
    return node;
  };

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
  const platform = { os: image.platform.os, architecture: image.platform.architecture, ...(image.platform.variant ? { variant: image.platform.variant } : {}) };
  const imageNode = add('image', { manifest: image.manifestDigest, config: image.configDigest, platform }, {}, {
    key: 'image',
    description: `${formatImageRef(spec.from.image)} → ${image.manifestDigest}`,
    span: fromSpan,
    ...(pinned ? { origin: 'Cubefile.lock' } : {}),
    config: imageConfigSummary(image.config),
  });
  const layerNodes = image.layers.map((layer, i) =>
    add('layer', { digest: layer.digest, diffId: layer.diffId, mediaType: layer.mediaType, size: layer.size }, {}, { key: `layer/${i}`, description: `layer ${i + 1} of ${image.layers.length}, ${formatBytes(layer.size)}`, span: fromSpan }),
  );
  let fs = add('rootfs', { whiteouts: 'oci' }, { layers: layerNodes.map((n) => n.id) }, { key: 'rootfs', description: `flattened rootfs of ${image.layers.length} layer${image.layers.length === 1 ? '' : 's'}`, span: fromSpan });

  let envd: PlanInputs['envd'];
  if (spec.inject) {
    const resolved = await resolveEnvd({
      ...(input.envdPathFlag !== undefined ? { flag: input.envdPathFlag } : {}),
      ...(spec.inject.hostPath !== undefined ? { fileHostPath: spec.inject.hostPath } : {}),
      buildFile: input.buildFile,
      spans,
      env: input.env,
      hasher,
      architecture: image.platform.architecture,
      ...(input.envdMaxSize !== undefined ? { maxSize: input.envdMaxSize } : {}),
    });
    const execAs = execAsDigest(image.platform.architecture);
    envd = {
      hostPath: resolved.hostPath,
      digest: resolved.digest,
      size: resolved.size,
      origin: resolved.origin,
      imagePath: spec.inject.imagePath,
      port: spec.inject.port,
      args: spec.inject.args,
      ...(spec.inject.firecracker ? { firecracker: true as const } : {}),
      ...(resolved.interpreter ? { interpreter: resolved.interpreter } : {}),
      ...(execAs ? { execAs } : {}),
    };
    // The platform's capability probe runs `envd -version` by name.
    const path = [...spec.launch.env].reverse().find((e) => e.name === 'PATH')?.value ?? pathOf(image.config.env);
    if (!path.split(':').includes(posix.dirname(spec.inject.imagePath))) {
      const at = spans.get('/inject/imagePath') ?? spans.get('/inject');
      diagnostics.push(createDiagnostic(planCodes.envdNotOnPath, `envd goes to ${spec.inject.imagePath}, but ${posix.dirname(spec.inject.imagePath)} is not on PATH=${path}`, at ? { span: at } : {}));
    }
    const helper = execAs ? { path: EXEC_AS_PATH, sha256: execAs } : null;
    fs = add('inject', { name: 'envd', sha256: resolved.digest, size: resolved.size, path: spec.inject.imagePath, mode: 0o755, uid: 0, gid: 0, execAs: helper }, { base: fs.id }, {
      key: 'inject',
      description: `envd (${formatBytes(resolved.size)}) at ${spec.inject.imagePath}`,
      span: spans.get('/inject'),
      origin: originLabel(resolved.origin, (span) => location(span) ?? shownFile),
    });
  }

  const context = await BuildContext.open(input.contextDir, hasher);
  const steps: PlannedStep[] = [];
  for (const [i, step] of spec.steps.entries()) {
    const span = spans.get(`/steps/${i}`);
    if (step.kind === 'copy') {
      const copySources = await context.sources(step.sources, span);
      const params = { dest: step.dest, sources: copySources.length > 0 ? copyParams(copySources) : [], ...(step.chown ? { chown: { ...step.chown } } : {}), ...(step.chmod !== undefined ? { chmod: step.chmod } : {}) };
      fs = add('copy', params as JsonValue, { base: fs.id }, { key: `step/${i}`, description: `COPY ${step.sources.join(' ')} → ${step.dest}`, span });
      steps.push({ kind: 'copy', nodeId: fs.id, copy: { sources: copySources, dest: step.dest, ...(step.chown ? { chown: step.chown } : {}), ...(step.chmod !== undefined ? { chmod: step.chmod } : {}) } });
    } else {
      fs = add('workdir', { path: step.path }, { base: fs.id }, { key: `step/${i}`, description: `WORKDIR ${step.path}`, span });
      steps.push({ kind: 'workdir', nodeId: fs.id, path: step.path });
    }
  }
  const epoch = sourceDateEpoch(input.env);
  const seal = add(
    'seal',
    { ...spec.seal, writer: EXT4_FORMAT_VERSION, epoch } as unknown as JsonValue,
    { fs: fs.id },
    { key: 'seal', description: `ext4 rootfs${spec.seal.size !== undefined ? `, ${formatBytes(spec.seal.size)}` : spec.seal.free !== undefined ? `, ${formatBytes(spec.seal.free)} free` : ''}`, span: spans.get('/seal') },
  );
  const launch = spec.launch;
  const launchNode = add(
    'launch-config',
    {
      ...(launch as unknown as Record<string, JsonValue>),
      envd: spec.inject ? { path: spec.inject.imagePath, port: spec.inject.port, args: [...spec.inject.args], ...(spec.inject.firecracker ? { firecracker: true } : {}) } : null,
    } as JsonValue,
    { image: imageNode.id },
    {
      key: 'launch-config',
      description: launch.wrap ? 'process, env, ports (entrypoint wrapped with envd)' : 'process, env, ports',
      span: spans.get('/launch/cmd') ?? spans.get('/launch/entrypoint'),
      fields: launchFieldSources(spec, spans, lineOf),
    },
  );
  // launch.json names the image as the build file wrote it: that text is part of its content.
  const manifest = add('manifest', { schema: 1, image: formatImageRef(spec.from.image) }, { seal: seal.id, launch: launchNode.id }, { key: 'manifest', description: 'launch.json' });
  await hasher.save();
  return {
    plan: { version: 1, nodes, roots: { seal: seal.id, manifest: manifest.id }, sources },
    inputs: { image, ...(envd ? { envd } : {}), steps, epoch },
    diagnostics,
    filesRead: hasher.reads,
  };
}
