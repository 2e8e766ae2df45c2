/**
 * Why two plans differ, and why a build must run a node: nodes are paired across plans by their
 * role (`image`, `layer/0`, `step/2`, `seal`…). A root cause is a node whose own parameters
 * changed (or that is new or gone); a node that changed only because an input changed is part
 * of a cascade, summarised rather than repeated.
 */
import { isDigest, shortDigest } from '../core/digest.js';
import type { JsonValue, NodeSource, Plan, PlanNode } from './plan.js';
import { fieldSource } from './source-lines.js';

/** One changed field of a node's parameters, with the build file line that set it when known. */
export interface FieldChange {
  readonly field: string;
  readonly old?: JsonValue;
  readonly new?: JsonValue;
  /** `Cubefile:12:1`: where the field's new value (or, when it is gone, its old one) was set. */
  readonly location?: string;
  /** The instruction at `location`, as written. */
  readonly instruction?: string;
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

/**
 * The changed fields of one node paired across plans, each cited at the line that set it (the
 * launch config's per-field lines, else the node's own line). For the image node, the image
 * config's changed fields follow its digests, so a new base image says what it changes.
 */
export function nodeFieldChanges(old: PlanNode, next: PlanNode, oldSource: NodeSource | undefined, newSource: NodeSource | undefined): FieldChange[] {
  const fields = fieldChanges(old.params, next.params);
  if (oldSource?.config !== undefined && newSource?.config !== undefined) {
    fields.push(...fieldChanges(oldSource.config, newSource.config).map((f) => ({ ...f, field: `config.${f.field}` })));
  }
  const own = newSource?.location !== undefined ? { location: newSource.location, ...(newSource.instruction !== undefined ? { instruction: newSource.instruction } : {}) } : undefined;
  return fields.map((f) => ({ ...f, ...(fieldSource(f.field, newSource?.fields) ?? fieldSource(f.field, oldSource?.fields) ?? own) }));
}

/** The plan's nodes by their role key (`image`, `step/2`, …), to pair them across plans. */
export function byKey(plan: Plan): Map<string, PlanNode> {
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
      const fields = nodeFieldChanges(previous, node, old.sources[previous.id], source);
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

/** A field value as a row shows it: digests short, strings bare, the rest as JSON. */
export function show(value: JsonValue | undefined): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'string' && isDigest(value)) return shortDigest(value);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** `Cubefile:16:1  ENV X=1`: a line and what is written there. */
export function citation(line: { readonly location?: string; readonly instruction?: string }): string {
  return [line.location, line.instruction].filter((part) => part !== undefined).join('  ');
}

/** Renders a plan diff, nix-diff style: root causes with their fields, then the cascade. */
export function renderPlanDiff(diff: PlanDiff): string {
  if (diff.identical) return 'plans are identical\n';
  const lines: string[] = [];
  for (const cause of diff.causes) {
    const where = [cause.location, cause.origin && cause.origin !== cause.location ? `from ${cause.origin}` : undefined].filter(Boolean).join(', ');
    lines.push(`${cause.change === 'added' ? '+' : cause.change === 'removed' ? '-' : '~'} ${cause.kind} ${cause.key}: ${cause.description}${where ? ` (${where})` : ''}`);
    for (const f of cause.fields) lines.push(`    ${f.field}: ${show(f.old)} → ${show(f.new)}${f.location !== undefined && f.location !== cause.location ? `  (${citation(f)})` : ''}`);
  }
  if (diff.cascade.length > 0) lines.push(`  … and ${diff.cascade.length} dependent node${diff.cascade.length === 1 ? '' : 's'} changed as a result: ${diff.cascade.join(', ')}`);
  return lines.join('\n') + '\n';
}
