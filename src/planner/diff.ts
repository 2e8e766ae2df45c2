/**
 * Why two plans differ, and why a build must run a node: nodes are paired across plans by their
 * role (`image`, `layer/0`, `step/2`, `seal`…). A root cause is a node whose own parameters
 * changed (or that is new or gone); a node that changed only because an input changed is part
 * of a cascade, summarised rather than repeated.
 */
import type { Digest } from '../core/digest.js';
import { shortDigest } from '../core/digest.js';
import type { JsonValue, Plan, PlanNode } from './plan.js';

/** One changed field of a node's parameters. */
export interface FieldChange {
  readonly field: string;
  readonly old?: JsonValue;
  readonly new?: JsonValue;
}

/** A root cause. */
export interface RootCause {
  readonly key: string;
  readonly kind: PlanNode['kind'];
  readonly change: 'added' | 'removed' | 'changed';
  readonly description: string;
  readonly location?: string;
  readonly origin?: string;
  readonly fields: readonly FieldChange[];
}

/** The difference between two plans. */
export interface PlanDiff {
  readonly identical: boolean;
  readonly causes: readonly RootCause[];
  /** Keys of nodes that changed only because something they depend on changed. */
  readonly cascade: readonly string[];
}

function isScalarList(value: JsonValue | undefined): value is JsonValue[] {
  return Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object');
}

function flatten(value: JsonValue | undefined, prefix: string, out: Map<string, JsonValue>, other?: JsonValue): void {
  // A list of plain values (an argv, ports) that changed length is one field, shown whole: an
  // inserted argument reads as the new list, not as every later index changed.
  if (isScalarList(value) && isScalarList(other) && value.length !== other.length) {
    out.set(prefix, value);
    return;
  }
  if (value !== null && typeof value === 'object') {
    // Array elements that name themselves (COPY entries, sources) are keyed by that name, so an
    // inserted file does not shift every later index.
    const label = (v: JsonValue, i: number): string => {
      const named = v !== null && typeof v === 'object' && !Array.isArray(v) ? ((v as Record<string, JsonValue>).relative ?? (v as Record<string, JsonValue>).name) : undefined;
      return typeof named === 'string' ? `[${named === '' ? '.' : named}]` : String(i);
    };
    const entries = Array.isArray(value) ? value.map((v, i) => [label(v as JsonValue, i), v] as const) : Object.entries(value);
    if (entries.length === 0) out.set(prefix, value);
    const counterpart = (k: string): JsonValue | undefined =>
      other !== null && typeof other === 'object' && !Array.isArray(other) ? (other as Record<string, JsonValue>)[k] : undefined;
    for (const [k, v] of entries) flatten(v as JsonValue, prefix === '' ? k : `${prefix}.${k}`, out, Array.isArray(value) ? undefined : counterpart(k));
  } else if (value !== undefined) out.set(prefix, value);
}

/** The fields whose values differ between two parameter objects. */
export function fieldChanges(old: JsonValue, next: JsonValue): FieldChange[] {
  const a = new Map<string, JsonValue>();
  const b = new Map<string, JsonValue>();
  flatten(old, '', a, next);
  flatten(next, '', b, old);
  const out: FieldChange[] = [];
  for (const field of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(field);
    const y = b.get(field);
    if (JSON.stringify(x) !== JSON.stringify(y)) out.push({ field, ...(x !== undefined ? { old: x } : {}), ...(y !== undefined ? { new: y } : {}) });
  }
  return out;
}

function byKey(plan: Plan): Map<string, PlanNode> {
  return new Map(plan.nodes.map((n) => [plan.sources[n.id]?.key ?? n.id, n]));
}

/** Compares two plans. */
export function diffPlans(old: Plan, next: Plan): PlanDiff {
  const before = byKey(old);
  const after = byKey(next);
  const causes: RootCause[] = [];
  const cascade: string[] = [];
  for (const [key, node] of after) {
    const source = next.sources[node.id];
    const base = { key, kind: node.kind, description: source?.description ?? key, ...(source?.location ? { location: source.location } : {}), ...(source?.origin ? { origin: source.origin } : {}) };
    const previous = before.get(key);
    if (!previous) causes.push({ ...base, change: 'added', fields: [] });
    else if (previous.id !== node.id) {
      const fields = fieldChanges(previous.params, node.params);
      if (previous.kind !== node.kind || previous.version !== node.version) causes.push({ ...base, change: 'changed', fields: [{ field: 'kind/version', old: `${previous.kind} v${previous.version}`, new: `${node.kind} v${node.version}` }] });
      else if (fields.length > 0) causes.push({ ...base, change: 'changed', fields });
      else cascade.push(key);
    }
  }
  for (const [key, node] of before) {
    if (!after.has(key)) {
      const source = old.sources[node.id];
      causes.push({ key, kind: node.kind, change: 'removed', description: source?.description ?? key, ...(source?.location ? { location: source.location } : {}), fields: [] });
    }
  }
  return { identical: causes.length === 0 && cascade.length === 0, causes, cascade };
}

function show(value: JsonValue | undefined): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'string' && /^sha256:[0-9a-f]{64}$/.test(value)) return shortDigest(value as Digest);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Renders a plan diff, nix-diff style: root causes with their fields, then the cascade. */
export function renderPlanDiff(diff: PlanDiff): string {
  if (diff.identical) return 'plans are identical\n';
  const lines: string[] = [];
  for (const cause of diff.causes) {
    const where = [cause.location, cause.origin && cause.origin !== cause.location ? `from ${cause.origin}` : undefined].filter(Boolean).join(', ');
    lines.push(`${cause.change === 'added' ? '+' : cause.change === 'removed' ? '-' : '~'} ${cause.kind} ${cause.key}: ${cause.description}${where ? ` (${where})` : ''}`);
    for (const f of cause.fields) lines.push(`    ${f.field}: ${show(f.old)} → ${show(f.new)}`);
  }
  if (diff.cascade.length > 0) lines.push(`  … and ${diff.cascade.length} dependent node${diff.cascade.length === 1 ? '' : 's'} changed as a result: ${diff.cascade.join(', ')}`);
  return lines.join('\n') + '\n';
}

/** Why one node has to run (or that it need not). */
export interface Explanation {
  readonly key: string;
  readonly kind: PlanNode['kind'];
  readonly id: Digest;
  readonly reason: 'cached' | 'new' | 'own-fields' | 'inputs' | 'missing' | 'corrupt';
  readonly fields: readonly FieldChange[];
  /** For `inputs`: the keys of the inputs that changed. */
  readonly inputs: readonly string[];
}

/** Explains, for every node, whether the build must run it and why. */
export function explainBuild(plan: Plan, previous: Plan | undefined, isCached: (id: Digest) => boolean | 'corrupt'): Explanation[] {
  const before = previous ? byKey(previous) : new Map<string, PlanNode>();
  const keyOf = (id: Digest): string => plan.sources[id]?.key ?? id;
  return plan.nodes.map((node) => {
    const key = keyOf(node.id);
    const base = { key, kind: node.kind, id: node.id, fields: [] as FieldChange[], inputs: [] as string[] };
    const cached = isCached(node.id);
    if (cached === true) return { ...base, reason: 'cached' as const };
    if (cached === 'corrupt') return { ...base, reason: 'corrupt' as const };
    const old = before.get(key);
    if (!old) return { ...base, reason: 'new' as const };
    if (old.id === node.id) return { ...base, reason: 'missing' as const };
    const fields = fieldChanges(old.params, node.params);
    if (fields.length > 0) return { ...base, reason: 'own-fields' as const, fields };
    const changed = Object.entries(node.inputs).filter(([name, ids]) => JSON.stringify(ids) !== JSON.stringify(old.inputs[name]));
    const names = changed.flatMap(([, ids]) => (Array.isArray(ids) ? ids : [ids]).filter((id) => !previous?.nodes.some((n) => n.id === id)).map(keyOf));
    return { ...base, reason: 'inputs' as const, inputs: [...new Set(names)] };
  });
}

/** Renders explanations, one line per node. */
export function renderExplanation(explanations: readonly Explanation[]): string {
  const text: Record<Explanation['reason'], (e: Explanation) => string> = {
    cached: () => 'cached',
    new: () => 'runs: new node (no earlier build had it)',
    'own-fields': (e) => `runs: own fields changed: ${e.fields.map((f) => `${f.field} ${show(f.old)} → ${show(f.new)}`).join('; ')}`,
    inputs: (e) => `runs: input changed: ${e.inputs.join(', ') || 'an input'}`,
    missing: () => 'runs: same as the last build, but its cache entry is missing',
    corrupt: () => 'runs: its cache entry is corrupt',
  };
  return explanations.map((e) => `${e.kind.padEnd(13)} ${shortDigest(e.id)}  ${e.key.padEnd(13)} ${text[e.reason](e)}`).join('\n') + '\n';
}
