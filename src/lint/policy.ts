/**
 * Which checks run and how much they weigh, as Docker's `docker build --check` has it: the build
 * file's `# check=skip=RULE,RULE;error=true` directive and the command line's `--skip RULE` and
 * `--strict`. Only diagnostics whose catalog entry names a rule are affected; errors stay errors.
 */
import { createDiagnostic, catalogEntry, checkRules } from '../core/diagnostics/index.js';
import type { CatalogEntry, Diagnostic, Severity } from '../core/diagnostics/index.js';
import { parseCodes } from '../core/diagnostics/codes-parse.js';
import type { Document } from '../parser/index.js';
import { closest } from '../core/suggest.js';

/** What to skip (rule names, or `all`) and whether rule findings are errors. */
export interface CheckPolicy {
  readonly skip: ReadonlySet<string>;
  readonly strict: boolean;
}

/** The policy when neither the file nor the command line says anything. */
export const DEFAULT_POLICY: CheckPolicy = { skip: new Set(), strict: false };

/** The rule a name or code refers to (case-insensitive), or undefined. */
export function findRule(nameOrCode: string): CatalogEntry | undefined {
  const wanted = nameOrCode.toLowerCase();
  return checkRules().find((e) => e.rule?.toLowerCase() === wanted || e.code.toLowerCase() === wanted);
}

/** The check whose name is nearest to a name that is no check, when one is close. */
export function nearestRule(name: string): string | undefined {
  return closest(name, checkRules().map((e) => e.rule as string));
}

/**
 * Reads a list of rule names or codes (`all` allowed). Names that are no rule go to `unknown`;
 * the others are returned as rule names.
 */
export function ruleNames(list: readonly string[], unknown: (name: string) => void): string[] {
  const out: string[] = [];
  for (const name of list) {
    if (name.toLowerCase() === 'all') out.push('all');
    else {
      const rule = findRule(name)?.rule;
      if (rule) out.push(rule);
      else unknown(name);
    }
  }
  return out;
}

/** The policy the build file's `# check=` directive sets, and the directive's own mistakes. */
export function directivePolicy(document: Document): { policy: CheckPolicy; diagnostics: Diagnostic[] } {
  const directive = document.check;
  if (!directive) return { policy: DEFAULT_POLICY, diagnostics: [] };
  const diagnostics: Diagnostic[] = [];
  const skip = new Set<string>();
  let strict = false;
  for (const part of directive.text.split(';').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    const key = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    const value = eq === -1 ? '' : part.slice(eq + 1).trim();
    if (key === 'skip') {
      const names = value.split(',').map((n) => n.trim()).filter((n) => n !== '');
      const unknown = (name: string): void => {
        const near = nearestRule(name);
        diagnostics.push(createDiagnostic(parseCodes.badDirective, 'unknownCheck', { directive: directive.text, name }, { span: directive.span, ...(near ? { suggestion: near } : {}) }));
      };
      for (const name of ruleNames(names, unknown)) skip.add(name);
    } else if (key === 'error' && (value === 'true' || value === 'false')) strict = value === 'true';
    else diagnostics.push(createDiagnostic(parseCodes.badDirective, 'checkSyntax', { directive: directive.text, part }, { span: directive.span }));
  }
  return { policy: { skip, strict }, diagnostics };
}

/** Both policies at once: what either skips is skipped, and either can make findings errors. */
export function combinePolicies(a: CheckPolicy, b: CheckPolicy): CheckPolicy {
  return { skip: new Set([...a.skip, ...b.skip]), strict: a.strict || b.strict };
}

/** Drops skipped rule findings and, when strict, makes the others errors. */
export function applyPolicy(diagnostics: readonly Diagnostic[], policy: CheckPolicy): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    const rule = catalogEntry(d.code)?.rule;
    if (rule === undefined) out.push(d);
    else if (!policy.skip.has('all') && !policy.skip.has(rule)) out.push(policy.strict ? { ...d, severity: 'error' satisfies Severity } : d);
  }
  return out;
}
