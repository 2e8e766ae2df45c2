/**
 * The state an evaluation builds up, instruction by instruction: ARG and ENV scopes, the
 * BuildSpec's parts and their spans, and the diagnostics. The instructions' own evaluation lives
 * in evaluate-image.ts and evaluate-config.ts; this holds what they share: reading a word
 * (quotes, escapes, substitution) and resolving an in-image path.
 */
import { posix } from 'node:path';
import type { BuildSpec, CommandSpec, FsStep, InjectSpec, NameValue, PortSpec, SealSpec } from '../core/build-spec.js';
import { createDiagnostic } from '../core/diagnostics/index.js';
import type { CatalogEntry, Diagnostic, MessageValues, Span } from '../core/diagnostics/index.js';
import { parseCodes } from '../core/diagnostics/codes-parse.js';
import type { Document, Val } from './ast.js';
import { expandJson, expandPlain, processWord } from './words.js';
import type { Scope, WordResult } from './words.js';

/** An instruction's evaluation state. */
export class Evaluator {
  readonly diagnostics: Diagnostic[] = [];
  readonly spans = new Map<string, Span>();
  readonly preFromArgs = new Map<string, string | undefined>();
  readonly stageArgs = new Map<string, string | undefined>();
  readonly envScope = new Map<string, string>();
  readonly usedBuildArgs = new Set<string>();
  afterFrom = false;
  from?: BuildSpec['from'];
  inject?: InjectSpec;
  readonly steps: FsStep[] = [];
  readonly env: NameValue[] = [];
  readonly labels: NameValue[] = [];
  /** Where each name sits in `env` and `labels`, so a long file stays linear. */
  readonly envIndex = new Map<string, number>();
  readonly labelIndex = new Map<string, number>();
  readonly expose: PortSpec[] = [];
  workdir?: string;
  user?: string;
  cmd?: { spec: CommandSpec; span: Span };
  entrypoint?: { spec: CommandSpec; span: Span };
  wrap?: Span;
  seal?: SealSpec;

  /** Whether the file has a FROM anywhere: without one, only the missing FROM is reported. */
  readonly hasFrom: boolean;

  constructor(
    readonly document: Document,
    readonly buildArgs: ReadonlyMap<string, string>,
  ) {
    this.hasFrom = document.instructions.some((i) => i.kind === 'from');
  }

  /** Reports a diagnostic from a catalog template at `span`. */
  report<E extends CatalogEntry, K extends keyof E['messages'] & string>(entry: E, message: K, values: MessageValues<E['messages'][K]>, span?: Span, suggestion?: string): void {
    this.diagnostics.push(createDiagnostic(entry, message, values, { ...(span ? { span } : {}), ...(suggestion !== undefined ? { suggestion } : {}) }));
  }

  /**
   * The variables visible now: the stage's ARGs, ENV winning over them after FROM. A view over
   * the maps rather than a copy, so a file of many lines is evaluated in linear time.
   */
  scope(): Scope {
    const args = this.afterFrom ? this.stageArgs : this.preFromArgs;
    const env = this.afterFrom ? this.envScope : undefined;
    return { get: (name) => (env?.has(name) ? env.get(name) : args.get(name)) };
  }

  /**
   * A word's value with variables substituted: a shell word (quotes, escapes), a cube.yaml string,
   * or (`json`) a string of a JSON array, which has no quotes left to remove. Undefined after
   * reporting an error.
   */
  word(val: Val, json = false): string | undefined {
    const scope = this.scope();
    const result = json ? expandJson(val.text, scope) : this.document.words === 'shell' ? processWord(val.text, this.document.escape, scope) : expandPlain(val.text, scope);
    return this.wordValue(result, val.span);
  }

  /** A word result's value, after reporting its undefined variables or its error. */
  wordValue(result: WordResult, span: Span): string | undefined {
    if (!result.ok) {
      this.diagnostics.push(createDiagnostic(parseCodes.badWord, result.error.kind, result.error.values, { span }));
      return undefined;
    }
    for (const name of result.undefinedNames ?? []) {
      if (!/^[\p{L}_]/u.test(name)) this.report(parseCodes.undefinedVariable, 'special', { name }, span);
      else if (this.afterFrom && this.preFromArgs.has(name)) this.report(parseCodes.undefinedVariable, 'beforeFrom', { name }, span);
      else this.report(parseCodes.undefinedVariable, 'undefined', { name }, span);
    }
    return result.value;
  }

  /** Resolves an in-image path against the current WORKDIR; undefined after reporting. */
  imagePath(text: string, span: Span, what: string): string | undefined {
    if (text === '') {
      this.report(parseCodes.badValue, 'empty', { what }, span);
      return undefined;
    }
    if (text.startsWith('/')) return text;
    if (this.workdir === undefined) {
      this.report(parseCodes.relativeWorkdir, 'relative', { what, path: text }, span);
      return undefined;
    }
    return posix.join(this.workdir, text);
  }

  /** CUBE1015 at an instruction that a later one of the same kind replaces. */
  overridden(keyword: string, span: Span): void {
    this.report(parseCodes.duplicateCommand, 'overridden', { keyword }, span);
  }
}
