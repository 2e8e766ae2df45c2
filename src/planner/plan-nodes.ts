/**
 * The plan's nodes, part by part: the image with its layers and rootfs, envd's injection, the
 * filesystem steps, and the seal, launch config and manifest. Each part takes the node before it
 * and adds its own; the sources beside the nodes say where in the build file each came from.
 */
import { posix } from 'node:path';
import type { BuildSpec, SpanTable } from '../core/build-spec.js';
import { createDiagnostic, originLabel } from '../core/diagnostics/index.js';
import type { Diagnostic, Span } from '../core/diagnostics/index.js';
import { planCodes } from '../core/diagnostics/codes-plan.js';
import { EXEC_AS_PATH, execAsDigest } from '../core/exec-as/index.js';
import { formatBytes } from '../core/format.js';
import { pathOf } from '../core/image.js';
import { escapeName, nameToBytes } from '../core/names.js';
import type { ResolvedImage } from '../core/image.js';
import type { CopySource } from '../core/host-inputs.js';
import { formatImageRef } from '../parser/image-ref.js';
import type { PlanInput, PlannedEnvd, PlannedStep } from './build-plan.js';
import type { BuildContext } from './context.js';
import { copySourceSpans } from './context.js';
import { resolveEnvd } from './envd.js';
import type { HostFileHasher } from './host-files.js';
import { makeNode } from './plan.js';
import type { JsonValue, NodeSource, Plan, PlanNode, PlanNodeKind } from './plan.js';
import { imageConfigSummary, launchFieldSources } from './source-lines.js';
import type { SourceLineOf } from './source-lines.js';

/** The ext4 writer's on-disk format version: part of the seal node, so a writer change reseals. */
export const EXT4_FORMAT_VERSION = 1;

/** The nodes of a plan as they are added, each once, with its source beside it. */
export class PlanNodes {
  readonly nodes: PlanNode[] = [];
  readonly sources: Record<string, NodeSource> = {};

  constructor(
    readonly lineOf: SourceLineOf,
    /** The build file as messages name it. */
    readonly shownFile: string,
  ) {}

  add(kind: PlanNodeKind, params: JsonValue, inputs: PlanNode['inputs'], source: Omit<NodeSource, 'location' | 'instruction'> & { span?: Span | undefined }): PlanNode {
    const node = makeNode(kind, params, inputs);
    if (!this.sources[node.id]) {
      this.nodes.push(node);
      const { span, ...rest } = source;
      this.sources[node.id] = { ...rest, ...this.lineOf(span) };
    }
    return node;
  }
}

/** The image, each of its layers, and the rootfs they flatten into. */
export function planImage(nodes: PlanNodes, spec: BuildSpec, image: ResolvedImage, pinned: boolean, fromSpan: Span | undefined): { imageNode: PlanNode; rootfs: PlanNode } {
  const platform = { os: image.platform.os, architecture: image.platform.architecture, ...(image.platform.variant ? { variant: image.platform.variant } : {}) };
  const imageNode = nodes.add('image', { manifest: image.manifestDigest, config: image.configDigest, platform }, {}, {
    key: 'image',
    description: `${formatImageRef(spec.from.image)} → ${image.manifestDigest}`,
    span: fromSpan,
    ...(pinned ? { origin: 'Cubefile.lock' } : {}),
    config: imageConfigSummary(image.config),
  });
  const count = image.layers.length;
  const layerNodes = image.layers.map((layer, i) =>
    nodes.add('layer', { digest: layer.digest, diffId: layer.diffId, mediaType: layer.mediaType, size: layer.size }, {}, { key: `layer/${i}`, description: `layer ${i + 1} of ${count}, ${formatBytes(layer.size)}`, span: fromSpan }),
  );
  const rootfs = nodes.add('rootfs', { whiteouts: 'oci' }, { layers: layerNodes.map((n) => n.id) }, { key: 'rootfs', description: `flattened rootfs of ${count} layer${count === 1 ? '' : 's'}`, span: fromSpan });
  return { imageNode, rootfs };
}

/** envd resolved, hashed and injected on top of `base`, with a warning when it is not on the PATH. */
export async function planEnvd(
  nodes: PlanNodes,
  base: PlanNode,
  input: PlanInput & { readonly hasher: HostFileHasher; readonly image: ResolvedImage },
): Promise<{ fs: PlanNode; envd: PlannedEnvd; diagnostics: Diagnostic[] }> {
  const { spec, spans, image } = input;
  const inject = spec.inject as NonNullable<BuildSpec['inject']>;
  const resolved = await resolveEnvd({
    ...(input.envdPathFlag !== undefined ? { flag: input.envdPathFlag } : {}),
    ...(inject.hostPath !== undefined ? { fileHostPath: inject.hostPath } : {}),
    buildFile: input.buildFile,
    spans,
    env: input.env,
    hasher: input.hasher,
    architecture: image.platform.architecture,
    ...(input.envdMaxSize !== undefined ? { maxSize: input.envdMaxSize } : {}),
  });
  const execAs = execAsDigest(image.platform.architecture);
  const envd: PlannedEnvd = {
    hostPath: resolved.hostPath,
    digest: resolved.digest,
    size: resolved.size,
    origin: resolved.origin,
    imagePath: inject.imagePath,
    port: inject.port,
    args: inject.args,
    ...(inject.firecracker ? { firecracker: true as const } : {}),
    ...(resolved.interpreter ? { interpreter: resolved.interpreter } : {}),
    ...(execAs ? { execAs } : {}),
  };
  const diagnostics: Diagnostic[] = [];
  // The platform's capability probe runs `envd -version` by name.
  const path = [...spec.launch.env].reverse().find((e) => e.name === 'PATH')?.value ?? pathOf(image.config.env);
  const directory = posix.dirname(inject.imagePath);
  if (!path.split(':').includes(directory)) {
    const at = spans.get('/inject/imagePath') ?? spans.get('/inject');
    diagnostics.push(createDiagnostic(planCodes.envdNotOnPath, 'notOnPath', { path: inject.imagePath, directory, pathVariable: path }, at ? { span: at } : {}));
  }
  const helper = execAs ? { path: EXEC_AS_PATH, sha256: execAs } : null;
  const fs = nodes.add('inject', { name: 'envd', sha256: resolved.digest, size: resolved.size, path: inject.imagePath, mode: 0o755, uid: 0, gid: 0, execAs: helper }, { base: base.id }, {
    key: 'inject',
    description: `envd (${formatBytes(resolved.size)}) at ${inject.imagePath}`,
    span: spans.get('/inject'),
    origin: originLabel(resolved.origin, (span) => nodes.lineOf(span)?.location ?? nodes.shownFile),
  });
  return { fs, envd, diagnostics };
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

/** COPY and WORKDIR in build-file order, each on top of the one before; COPY sources resolved and hashed. */
export async function planSteps(nodes: PlanNodes, base: PlanNode, spec: BuildSpec, spans: SpanTable, context: BuildContext): Promise<{ fs: PlanNode; steps: PlannedStep[] }> {
  let fs = base;
  const steps: PlannedStep[] = [];
  for (const [i, step] of spec.steps.entries()) {
    const span = spans.get(`/steps/${i}`);
    if (step.kind === 'copy') {
      const sources = await context.sources(step.sources, copySourceSpans(spans, i, step.sources.length));
      const options = { ...(step.chown ? { chown: step.chown } : {}), ...(step.chmod !== undefined ? { chmod: step.chmod } : {}) };
      const params = { dest: step.dest, sources: sources.length > 0 ? copyParams(sources) : [], ...(step.chown ? { chown: { ...step.chown } } : {}), ...(step.chmod !== undefined ? { chmod: step.chmod } : {}) };
      fs = nodes.add('copy', params as JsonValue, { base: fs.id }, { key: `step/${i}`, description: `COPY ${step.sources.join(' ')} → ${step.dest}`, span });
      steps.push({ kind: 'copy', nodeId: fs.id, copy: { sources, dest: step.dest, ...options } });
    } else {
      fs = nodes.add('workdir', { path: step.path }, { base: fs.id }, { key: `step/${i}`, description: `WORKDIR ${step.path}`, span });
      steps.push({ kind: 'workdir', nodeId: fs.id, path: step.path });
    }
  }
  return { fs, steps };
}

/** The seal of the filesystem, the launch config beside it (so launch-only changes never reseal), and the manifest of both. */
export function planOutputs(nodes: PlanNodes, parts: { fs: PlanNode; image: PlanNode; spec: BuildSpec; spans: SpanTable; epoch: number }): Plan['roots'] {
  const { spec, spans } = parts;
  const size = spec.seal.size !== undefined ? `, ${formatBytes(spec.seal.size)}` : spec.seal.free !== undefined ? `, ${formatBytes(spec.seal.free)} free` : '';
  const seal = nodes.add('seal', { ...spec.seal, writer: EXT4_FORMAT_VERSION, epoch: parts.epoch } as unknown as JsonValue, { fs: parts.fs.id }, { key: 'seal', description: `ext4 rootfs${size}`, span: spans.get('/seal') });
  const launch = spec.launch;
  const envd = spec.inject ? { path: spec.inject.imagePath, port: spec.inject.port, args: [...spec.inject.args], ...(spec.inject.firecracker ? { firecracker: true } : {}) } : null;
  const launchNode = nodes.add('launch-config', { ...(launch as unknown as Record<string, JsonValue>), envd } as JsonValue, { image: parts.image.id }, {
    key: 'launch-config',
    description: launch.wrap ? 'process, env, ports (entrypoint wrapped with envd)' : 'process, env, ports',
    span: spans.get('/launch/cmd') ?? spans.get('/launch/entrypoint'),
    fields: launchFieldSources(spec, spans, nodes.lineOf),
  });
  // launch.json names the image as the build file wrote it: that text is part of its content.
  const manifest = nodes.add('manifest', { schema: 1, image: formatImageRef(spec.from.image) }, { seal: seal.id, launch: launchNode.id }, { key: 'manifest', description: 'launch.json' });
  return { seal: seal.id, manifest: manifest.id };
}
