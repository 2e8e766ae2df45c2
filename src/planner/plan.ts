/**
 * The plan: a DAG of typed nodes whose ids are `sha256:` over the RFC 8785 canonical JSON of
 * `{kind, version, params, inputs}`. Descriptions and source locations live in a side table
 * keyed by id, so formatting a build file never changes a hash.
 */
import canonicalize from 'canonicalize';
import { z } from 'zod';
import { createDiagnostic, DiagnosticError } from '../core/diagnostics/index.js';
import { planCodes } from '../core/diagnostics/codes-plan.js';
import { digestSchema, sha256Digest } from '../core/digest.js';
import type { Digest } from '../core/digest.js';

/** A JSON value. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The node kinds. Filesystem nodes feed `seal`; launch nodes feed `manifest` beside it. */
export type PlanNodeKind = 'image' | 'layer' | 'rootfs' | 'inject' | 'copy' | 'workdir' | 'seal' | 'launch-config' | 'manifest';

/** Behaviour version per kind: bump one to invalidate every cached result of that kind. */
export const NODE_VERSIONS: Readonly<Record<PlanNodeKind, number>> = {
  image: 1,
  layer: 1,
  rootfs: 1,
  inject: 2,
  copy: 1,
  workdir: 1,
  seal: 1,
  'launch-config': 2,
  manifest: 2,
};

/** One node. */
export interface PlanNode {
  readonly id: Digest;
  readonly kind: PlanNodeKind;
  readonly version: number;
  readonly params: JsonValue;
  readonly inputs: Readonly<Record<string, Digest | readonly Digest[]>>;
}

/** A place in the build file and the instruction written there. */
export interface SourceLine {
  /** `Cubefile:12:1`. */
  readonly location: string;
  /** The instruction's first line as written (`ENV PORT=8080`). */
  readonly instruction?: string;
}

/** What a node is, for people: never hashed. */
export interface NodeSource {
  /** Stable name of the node's role (`image`, `layer/0`, `step/2`, `seal`), used to pair nodes across plans. */
  readonly key: string;
  readonly description: string;
  /** `Cubefile:12:1`. */
  readonly location?: string;
  /** The instruction at `location`, as written. */
  readonly instruction?: string;
  /** Where a setting came from (`--envd-path`, `$CUBE_ENVD_PATH`, `default`, `Cubefile:3:1`). */
  readonly origin?: string;
  /**
   * For a node set by several instructions (the launch config): the line that set each part of
   * its params, by field path prefix (`env.[PORT]`, `cmd`, `expose.0`).
   */
  readonly fields?: Readonly<Record<string, SourceLine>>;
  /** For the image node: the image config's fields cube reads, so a new digest can say what changed. */
  readonly config?: JsonValue;
}

/** A whole plan. */
export interface Plan {
  readonly version: 1;
  readonly nodes: readonly PlanNode[];
  readonly roots: { readonly seal: Digest; readonly manifest: Digest };
  readonly sources: Readonly<Record<string, NodeSource>>;
}

/** Computes a node's id. */
export function nodeId(kind: PlanNodeKind, version: number, params: JsonValue, inputs: PlanNode['inputs']): Digest {
  return sha256Digest(canonicalize({ kind, version, params, inputs }) as string);
}

/** Makes a node with its id. */
export function makeNode(kind: PlanNodeKind, params: JsonValue, inputs: PlanNode['inputs'] = {}): PlanNode {
  return { id: nodeId(kind, NODE_VERSIONS[kind], params, inputs), kind, version: NODE_VERSIONS[kind], params, inputs };
}

const digest = digestSchema;
const json: z.ZodType<JsonValue> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(json), z.record(z.string(), json)]));
const kinds = ['image', 'layer', 'rootfs', 'inject', 'copy', 'workdir', 'seal', 'launch-config', 'manifest'] as const;

/** The zod schema of plan.json; grammar/plan.schema.json is generated from it. */
export const planSchema = z
  .object({
    version: z.literal(1),
    nodes: z.array(
      z
        .object({
          id: digest,
          kind: z.enum(kinds),
          version: z.number().int(),
          params: json,
          inputs: z.record(z.string(), z.union([digest, z.array(digest)])),
        })
        .strict(),
    ),
    roots: z.object({ seal: digest, manifest: digest }).strict(),
    sources: z.record(
      z.string(),
      z
        .object({
          key: z.string(),
          description: z.string(),
          location: z.string().optional(),
          instruction: z.string().optional(),
          origin: z.string().optional(),
          fields: z.record(z.string(), z.object({ location: z.string(), instruction: z.string().optional() }).strict()).optional(),
          config: json.optional(),
        })
        .strict(),
    ),
  })
  .strict();

/** The JSON Schema of plan.json. */
export function planJsonSchema(): string {
  return JSON.stringify({ ...z.toJSONSchema(planSchema), title: 'cube plan.json' }, null, 2) + '\n';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** plan.json text: stable key order, nodes in plan order, newline-terminated. */
export function planToJson(plan: Plan): string {
  return JSON.stringify(sortKeys(plan), null, 2) + '\n';
}

/** Reads plan.json text; a malformed file or one whose ids do not match is a diagnostic. */
export function parsePlanJson(text: string, file: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new DiagnosticError(createDiagnostic(planCodes.badPlanFile, 'notJson', { file }));
  }
  const parsed = planSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DiagnosticError(createDiagnostic(planCodes.badPlanFile, 'notPlan', { file, problem: issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid' }));
  }
  for (const node of parsed.data.nodes) {
    if (nodeId(node.kind, node.version, node.params, node.inputs) !== node.id) {
      throw new DiagnosticError(createDiagnostic(planCodes.badPlanFile, 'badId', { file, id: node.id }));
    }
  }
  return parsed.data as Plan;
}

/** Nodes by id. */
export function nodeIndex(plan: Plan): Map<Digest, PlanNode> {
  return new Map(plan.nodes.map((n) => [n.id, n]));
}
