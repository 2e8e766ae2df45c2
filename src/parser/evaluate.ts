/**
 * The meaning of a syntax tree: ARG scoping and `--build-arg` overrides, variable substitution
 * in the instructions Docker substitutes in (and INJECT and SEAL), image references, ports and
 * sizes, relative paths resolved against WORKDIR, and the file-level checks (one FROM first, at
 * most one INJECT, `ENTRYPOINT wrap` needs it, one SEAL). Produces the BuildSpec and its spans.
 */
import { posix } from 'node:path';
import type { BuildSpec, Chown, CommandSpec, FsStep, InjectSpec, NameValue, Platform, PortSpec, SealSpec } from '../core/build-spec.js';
import { DEFAULT_ENVD_IMAGE_PATH, DEFAULT_ENVD_PORT, DEFAULT_SEAL } from '../core/build-spec.js';
import { createDiagnostic } from '../core/diagnostics/index.js';
import type { CatalogEntry, Diagnostic, Span } from '../core/diagnostics/index.js';
import { parseCodes } from '../core/diagnostics/codes-parse.js';
import { parsePlatform } from '../core/platform.js';
import type { Document, Instruction, Val } from './ast.js';
import { parseImageRef } from './image-ref.js';
import { closest } from '../core/suggest.js';
import { parsePort, parsePorts, parseSize } from './units.js';
import { expandPlain, processWord, splitWords } from './words.js';
import type { Scope } from './words.js';

/** The evaluated spec (absent when there are errors), its spans, and every diagnostic. */
export interface Evaluation {
  readonly spec?: BuildSpec;
  readonly spans: Map<string, Span>;
  readonly diagnostics: Diagnostic[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Each instruction kind as the user writes it, for messages. */
const KEYWORDS: Readonly<Record<Instruction['kind'], string>> = {
  arg: 'ARG',
  from: 'FROM',
  inject: 'INJECT',
  copy: 'COPY',
  env: 'ENV',
  label: 'LABEL',
  workdir: 'WORKDIR',
  user: 'USER',
  expose: 'EXPOSE',
  cmd: 'CMD',
  entrypoint: 'ENTRYPOINT',
  wrap: 'ENTRYPOINT wrap',
  seal: 'SEAL',
};
const SEAL_FLAGS = ['journal', 'metadata_csum', 'dir_index', 'holes'] as const;

class Evaluator {
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

  error(entry: CatalogEntry, message: string, span: Span | undefined, hint?: string): void {
    this.diagnostics.push(createDiagnostic(entry, message, { ...(span ? { span } : {}), ...(hint ? { hint } : {}) }));
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

  /** Processes a word (quotes, escapes, substitution); undefined after reporting an error. */
  word(val: Val, substitute = true): string | undefined {
    const scope = substitute ? this.scope() : undefined;
    const result = this.document.words === 'shell' ? processWord(val.text, this.document.escape, scope) : scope ? expandPlain(val.text, scope) : { ok: true as const, value: val.text };
    if (result.ok) {
      for (const name of result.undefinedNames ?? []) {
        const preFrom = this.afterFrom && this.preFromArgs.has(name);
        this.diagnostics.push(
          createDiagnostic(parseCodes.undefinedVariable, `variable ${name} is not defined here; it expands to an empty string`, {
            span: val.span,
            hint: preFrom ? `an ARG before FROM is only visible to FROM: declare it again after FROM with \`ARG ${name}\`` : `declare it with ARG or ENV, or write \${${name}:-default}`,
          }),
        );
      }
      return result.value;
    }
    this.error(parseCodes.badWord, result.error.message, val.span);
    return undefined;
  }

  /** Resolves an in-image path against the current WORKDIR; undefined after reporting. */
  imagePath(text: string, span: Span, what: string): string | undefined {
    if (text === '') {
      this.error(parseCodes.badValue, `${what} is empty`, span);
      return undefined;
    }
    if (text.startsWith('/')) return text;
    if (this.workdir === undefined) {
      this.error(parseCodes.relativeWorkdir, `${what} "${text}" is relative, and no earlier WORKDIR says relative to what`, span);
      return undefined;
    }
    return posix.join(this.workdir, text);
  }

  run(instruction: Instruction): void {
    if (instruction.kind === 'arg') return this.arg(instruction);
    if (instruction.kind === 'from') return this.fromInstruction(instruction);
    if (!this.afterFrom) {
      // Without any FROM, the one "no FROM" error says it all; one per line would only repeat it.
      if (this.hasFrom) this.error(parseCodes.beforeFrom, `${KEYWORDS[instruction.kind]} comes before FROM`, instruction.span);
      return;
    }
    switch (instruction.kind) {
      case 'inject':
        return this.injectInstruction(instruction);
      case 'copy':
        return this.copy(instruction);
      case 'env':
      case 'label':
        return this.pairs(instruction);
      case 'workdir': {
        const text = this.word(instruction.path);
        const path = text === undefined ? undefined : this.imagePath(text, instruction.path.span, 'WORKDIR');
        if (path === undefined) return;
        this.workdir = posix.normalize(path).replace(/(.)\/$/, '$1');
        this.spans.set(`/steps/${this.steps.length}`, instruction.span);
        this.spans.set('/launch/workdir', instruction.span);
        this.steps.push({ kind: 'workdir', path: this.workdir });
        return;
      }
      case 'user': {
        const user = this.word(instruction.user);
        if (user === undefined) return;
        if (user === '' || user.startsWith(':') || user.endsWith(':')) {
          this.error(parseCodes.badValue, `USER "${user}" is not user[:group]`, instruction.user.span);
          return;
        }
        const previous = this.spans.get('/launch/user');
        if (previous) this.overridden('USER', previous);
        this.user = user;
        this.spans.set('/launch/user', instruction.span);
        return;
      }
      case 'expose':
        for (const val of instruction.ports) {
          const text = this.word(val);
          if (text === undefined) continue;
          const ports = parsePorts(text);
          if (!ports) {
            this.error(parseCodes.badPort, `EXPOSE "${text}" is not a port from 1 to 65535 (optionally /tcp or /udp)`, val.span);
            continue;
          }
          for (const p of ports) {
            if (this.expose.some((e) => e.port === p.port && e.protocol === p.protocol)) continue;
            this.spans.set(`/launch/expose/${this.expose.length}`, val.span);
            this.expose.push(p);
          }
        }
        return;
      case 'cmd':
      case 'entrypoint': {
        const previous = this[instruction.kind];
        if (previous) this.overridden(KEYWORDS[instruction.kind], previous.span);
        this[instruction.kind] = { spec: instruction.command, span: instruction.span };
        this.spans.set(`/launch/${instruction.kind}`, instruction.span);
        return;
      }
      case 'wrap':
        if (this.wrap) {
          this.diagnostics.push(createDiagnostic(parseCodes.duplicateCommand, 'ENTRYPOINT wrap is given more than once; this one has no effect', { span: instruction.span, hint: 'remove it' }));
          return;
        }
        this.wrap = instruction.span;
        this.spans.set('/launch/wrap', instruction.span);
        return;
      case 'seal':
        return this.sealInstruction(instruction);
    }
  }

  /** CUBE1015 at an instruction that a later one of the same kind replaces. */
  overridden(word: string, span: Span): void {
    this.diagnostics.push(createDiagnostic(parseCodes.duplicateCommand, `${word} is given more than once; this one is overridden by the ${word} on a later line`, { span }));
  }

  arg(instruction: Extract<Instruction, { kind: 'arg' }>): void {
    const name = instruction.name.text;
    if (!NAME.test(name)) {
      this.error(parseCodes.badValue, `ARG name "${name}" is not a valid variable name`, instruction.name.span);
      return;
    }
    let value: string | undefined;
    if (this.buildArgs.has(name)) {
      value = this.buildArgs.get(name);
      this.usedBuildArgs.add(name);
    } else if (instruction.default) value = this.word(instruction.default);
    else if (this.afterFrom) value = this.preFromArgs.get(name);
    (this.afterFrom ? this.stageArgs : this.preFromArgs).set(name, value);
  }

  fromInstruction(instruction: Extract<Instruction, { kind: 'from' }>): void {
    if (this.afterFrom) {
      this.error(parseCodes.multipleFrom, 'a second FROM: cube builds exactly one image per build file', instruction.span);
      return;
    }
    // FROM sees the ARGs declared before it; everything after sees the stage's scope.
    const text = this.word(instruction.image);
    const p = instruction.platform ? this.word(instruction.platform) : undefined;
    this.afterFrom = true;
    let platform: Platform | undefined;
    if (instruction.platform) {
      platform = p === undefined ? undefined : parsePlatform(p);
      if (!platform && p !== undefined) this.error(parseCodes.badPlatform, `--platform "${p}" is not os/arch[/variant]`, instruction.platform.span);
    }
    this.spans.set('/from', instruction.span);
    this.spans.set('/from/image', instruction.image.span);
    if (text === undefined) return;
    const ref = parseImageRef(text);
    if (!ref.ok) {
      this.error(parseCodes.badImageRef, `"${text}" is not a valid image reference: ${ref.reason}`, instruction.image.span);
      return;
    }
    this.from = { image: ref.ref, ...(platform ? { platform } : {}) };
  }

  injectInstruction(instruction: Extract<Instruction, { kind: 'inject' }>): void {
    if (this.inject || this.spans.has('/inject')) {
      this.error(parseCodes.multipleInject, 'envd is injected a second time', instruction.span);
      return;
    }
    this.spans.set('/inject', instruction.span);
    const name = this.word(instruction.name);
    if (name !== 'envd') {
      this.error(parseCodes.badInject, `INJECT can only inject envd, not "${name ?? instruction.name.text}"`, instruction.name.span);
      return;
    }
    const hostPath = instruction.path ? this.word(instruction.path) : undefined;
    if (instruction.path) this.spans.set('/inject/hostPath', instruction.path.span);
    let imagePath = DEFAULT_ENVD_IMAGE_PATH;
    if (instruction.to) {
      const to = this.word(instruction.to);
      if (to === undefined) return;
      if (!to.startsWith('/') || to.endsWith('/')) {
        this.error(parseCodes.badInject, `INJECT TO "${to}" must be an absolute path to a file`, instruction.to.span);
        return;
      }
      imagePath = posix.normalize(to);
      this.spans.set('/inject/imagePath', instruction.to.span);
    }
    let port = DEFAULT_ENVD_PORT;
    if (instruction.port) {
      const text = this.word(instruction.port);
      const parsed = text === undefined ? undefined : parsePort(text);
      if (parsed === undefined) {
        if (text !== undefined) this.error(parseCodes.badPort, `INJECT PORT "${text}" is not a port from 1 to 65535`, instruction.port.span);
        return;
      }
      port = parsed;
      this.spans.set('/inject/port', instruction.port.span);
    }
    let args: string[] = [];
    if (instruction.args) {
      const text = this.word(instruction.args);
      if (text === undefined) return;
      const words = splitWords(text, '\\').map((w) => processWord(w.text, '\\'));
      const bad = words.find((w) => !w.ok);
      if (bad && !bad.ok) {
        this.error(parseCodes.badWord, `INJECT ARGS: ${bad.error.message}`, instruction.args.span);
        return;
      }
      args = words.map((w) => (w.ok ? w.value : ''));
      // cube passes -port from PORT; a second one would make envd and the readiness probe disagree.
      const portFlag = args.find((a) => /^--?port(=|$)/.test(a));
      if (portFlag !== undefined) {
        this.error(parseCodes.badInject, `INJECT ARGS passes "${portFlag}", but cube passes envd -port from PORT itself`, instruction.args.span, 'set the port with INJECT envd PORT n; the readiness probe uses the same value');
        return;
      }
    }
    if (hostPath === '') {
      this.error(parseCodes.badInject, 'INJECT PATH is empty', instruction.path?.span);
      return;
    }
    this.inject = { name: 'envd', ...(hostPath !== undefined ? { hostPath } : {}), imagePath, port, args, ...(instruction.firecracker ? { firecracker: true as const } : {}) };
  }

  copy(instruction: Extract<Instruction, { kind: 'copy' }>): void {
    const sources = instruction.sources.map((s) => this.word(s));
    const destText = this.word(instruction.dest);
    let chown: Chown | undefined;
    let chmod: number | undefined;
    let ok = sources.every((s) => s !== undefined && s !== '') && destText !== undefined;
    if (instruction.chown) {
      const text = this.word(instruction.chown);
      const [user, group, extra] = (text ?? '').split(':');
      if (!user || group === '' || extra !== undefined) {
        if (text !== undefined) this.error(parseCodes.badFlag, `--chown "${text}" is not user[:group]`, instruction.chown.span);
        ok = false;
      } else chown = { user, ...(group !== undefined ? { group } : {}) };
    }
    if (instruction.chmod) {
      const text = this.word(instruction.chmod);
      if (text === undefined || !/^[0-7]{3,4}$/.test(text)) {
        if (text !== undefined) this.error(parseCodes.badFlag, `--chmod "${text}" is not an octal mode like 644 or 0755`, instruction.chmod.span);
        ok = false;
      } else chmod = parseInt(text, 8);
    }
    if (!ok || destText === undefined) return;
    const resolved = this.imagePath(destText, instruction.dest.span, 'COPY destination');
    if (resolved === undefined) return;
    const dest = destText.endsWith('/') && !resolved.endsWith('/') ? `${resolved}/` : resolved;
    this.spans.set(`/steps/${this.steps.length}`, instruction.span);
    this.steps.push({ kind: 'copy', sources: sources as string[], dest, ...(chown ? { chown } : {}), ...(chmod !== undefined ? { chmod } : {}) });
  }

  pairs(instruction: Extract<Instruction, { kind: 'env' | 'label' }>): void {
    const list = instruction.kind === 'env' ? this.env : this.labels;
    const key = instruction.kind === 'env' ? 'env' : 'labels';
    for (const pair of instruction.pairs) {
      const name = this.word(pair.name);
      const value = this.word(pair.value);
      if (name === undefined || value === undefined) continue;
      if (name === '' || (instruction.kind === 'env' && name.includes('='))) {
        this.error(parseCodes.badValue, `${instruction.kind.toUpperCase()} has an empty or invalid name`, pair.name.span);
        continue;
      }
      const index = instruction.kind === 'env' ? this.envIndex : this.labelIndex;
      const at = index.get(name) ?? -1;
      if (at === -1) index.set(name, list.length);
      if (at === -1) {
        this.spans.set(`/launch/${key}/${list.length}`, instruction.span);
        list.push({ name, value });
      } else {
        this.spans.set(`/launch/${key}/${at}`, instruction.span);
        list[at] = { name, value };
      }
      if (instruction.kind === 'env') this.envScope.set(name, value);
    }
  }

  sealInstruction(instruction: Extract<Instruction, { kind: 'seal' }>): void {
    if (this.seal || this.spans.has('/seal')) {
      this.error(parseCodes.multipleSeal, 'a second SEAL instruction', instruction.span);
      return;
    }
    this.spans.set('/seal', instruction.span);
    const format = this.word(instruction.format);
    if (format?.toLowerCase() !== 'ext4') {
      this.error(parseCodes.badSealOption, `SEAL can only write ext4, not "${format ?? instruction.format.text}"`, instruction.format.span);
      return;
    }
    const sizeOf = (val: Val | undefined, what: string): number | undefined => {
      if (!val) return undefined;
      const text = this.word(val);
      const bytes = text === undefined ? undefined : parseSize(text);
      if (bytes === undefined && text !== undefined) this.error(parseCodes.badSize, `SEAL ${what} "${text}" is not a size with a unit`, val.span);
      return bytes;
    };
    const size = sizeOf(instruction.size, 'SIZE');
    const free = sizeOf(instruction.free, 'FREE');
    if (instruction.size && instruction.free) this.error(parseCodes.badSealOption, 'SEAL takes SIZE or FREE, not both', instruction.span);
    const flags = new Set<string>();
    let label: string | undefined;
    for (const val of instruction.options) {
      const text = this.word(val);
      if (text === undefined) continue;
      const lower = text.toLowerCase();
      if (lower.startsWith('label=')) {
        label = text.slice('label='.length);
        if (Buffer.byteLength(label) > 16) this.error(parseCodes.badSealOption, `SEAL label "${label}" is longer than ext4's 16 bytes`, val.span);
      } else if ((SEAL_FLAGS as readonly string[]).includes(lower) && !flags.has(lower)) flags.add(lower);
      else {
        const near = closest(lower, [...SEAL_FLAGS, 'label']);
        this.error(parseCodes.badSealOption, flags.has(lower) ? `SEAL option ${lower} is given twice` : `unknown SEAL option "${text}"`, val.span, near ? `did you mean ${near}?` : undefined);
      }
    }
    this.seal = {
      ...DEFAULT_SEAL,
      ...(size !== undefined ? { size } : {}),
      ...(free !== undefined ? { free } : {}),
      journal: flags.has('journal'),
      metadataCsum: flags.has('metadata_csum'),
      dirIndex: flags.has('dir_index'),
      ...(flags.has('holes') ? { holes: true } : {}),
      ...(label !== undefined ? { label } : {}),
    };
  }

  finish(file: string, syntaxErrors: boolean): Evaluation {
    // After a syntax error (a misspelt FROM, unreadable YAML) "no FROM" would only repeat it.
    if (!this.afterFrom && !syntaxErrors) {
      const first = this.document.instructions[0]?.span;
      this.error(parseCodes.missingFrom, 'the build file has no FROM', first ? { ...first, end: first.start } : { file, start: 0, end: 0 });
    }
    if (this.wrap && !this.inject && !this.spans.has('/inject')) this.error(parseCodes.wrapWithoutInject, 'ENTRYPOINT wrap without INJECT envd', this.wrap);
    if (this.inject && !this.wrap) this.error(parseCodes.injectWithoutWrap, 'envd is injected, but without ENTRYPOINT wrap nothing starts it', this.spans.get('/inject'));
    for (const name of this.buildArgs.keys()) {
      if (!this.usedBuildArgs.has(name)) this.diagnostics.push(createDiagnostic(parseCodes.unusedBuildArg, `--build-arg ${name} is not declared by any ARG`));
    }
    const failed = this.diagnostics.some((d) => d.severity === 'error');
    if (failed || !this.from) return { spans: this.spans, diagnostics: this.diagnostics };
    const spec: BuildSpec = {
      version: 1,
      from: this.from,
      ...(this.inject ? { inject: this.inject } : {}),
      steps: this.steps,
      launch: {
        env: this.env,
        labels: this.labels,
        ...(this.workdir !== undefined ? { workdir: this.workdir } : {}),
        ...(this.user !== undefined ? { user: this.user } : {}),
        expose: this.expose,
        ...(this.entrypoint ? { entrypoint: this.entrypoint.spec } : {}),
        ...(this.cmd ? { cmd: this.cmd.spec } : {}),
        wrap: this.wrap !== undefined,
      },
      seal: this.seal ?? DEFAULT_SEAL,
    };
    return { spec, spans: this.spans, diagnostics: this.diagnostics };
  }
}

/** Evaluates a document with `--build-arg` values. */
export function evaluate(document: Document, buildArgs: ReadonlyMap<string, string>, file: string, syntaxErrors = false): Evaluation {
  const evaluator = new Evaluator(document, buildArgs);
  for (const instruction of document.instructions) evaluator.run(instruction);
  return evaluator.finish(file, syntaxErrors);
}
