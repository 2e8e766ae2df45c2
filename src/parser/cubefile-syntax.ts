/**
 * Cubefile text to the syntax tree: Docker's line rules (logical-lines.ts), then one instruction
 * per logical line through the chevrotain grammar. Every line is parsed on its own, so one bad
 * line never hides the errors of the others.
 */
import type { IToken } from 'chevrotain';
import { createDiagnostic } from '../core/diagnostics/index.js';
import type { Diagnostic, Span } from '../core/diagnostics/index.js';
import { parseCodes } from '../core/diagnostics/codes-parse.js';
import type { CommandAst, Document, Instruction, Val } from './ast.js';
import { cubefileParser, instructionTokens, lineLexer, orderedTokens } from './grammar.js';
import { checkField, splitLogicalLines } from './logical-lines.js';
import type { LogicalLine } from './logical-lines.js';
import { closest } from '../core/suggest.js';

/** The form of each instruction, for hints. */
export const USAGE: Readonly<Record<string, string>> = {
  ARG: 'ARG NAME[=default]',
  FROM: 'FROM [--platform=os/arch] IMAGE',
  INJECT: 'INJECT envd [PATH host-path] [TO /in/image/path] [PORT n] [ARGS "…"] [FIRECRACKER]',
  COPY: 'COPY [--chown=user:group] [--chmod=mode] SRC… DEST',
  ENV: 'ENV NAME=value …',
  LABEL: 'LABEL name=value …',
  WORKDIR: 'WORKDIR /path',
  USER: 'USER user[:group]',
  EXPOSE: 'EXPOSE port[/tcp|/udp] …',
  CMD: 'CMD ["exec", "form"] | CMD shell command',
  ENTRYPOINT: 'ENTRYPOINT ["exec", "form"] | ENTRYPOINT shell command | ENTRYPOINT wrap',
  SEAL: 'SEAL ext4 [SIZE n | FREE n] [journal] [metadata_csum] [dir_index] [holes] [label=NAME]',
};

const UNSUPPORTED: Readonly<Record<string, string>> = {
  RUN: 'RUN is not supported: cube never runs commands at build time, so builds stay rootless and reproducible',
  ADD: 'ADD is not supported: use COPY for files from the build context',
  SHELL: 'SHELL is not supported: shell-form commands always run with /bin/sh -c',
  HEALTHCHECK: 'HEALTHCHECK is not supported: the sandbox platform probes envd\'s /health',
  VOLUME: 'VOLUME is not supported: a sandbox has one root filesystem',
  STOPSIGNAL: 'STOPSIGNAL is not supported',
  ONBUILD: 'ONBUILD is not supported',
  MAINTAINER: 'MAINTAINER is not supported: use LABEL org.opencontainers.image.authors=…',
};

class LineContext {
  constructor(
    readonly file: string,
    readonly line: LogicalLine,
  ) {}

  span(start: number, end: number): Span {
    const offsets = this.line.offsets;
    const s = offsets[Math.min(start, offsets.length - 1)] as number;
    const e = end > start ? (offsets[Math.min(end - 1, offsets.length - 2)] as number) + 1 : s;
    return { file: this.file, start: s, end: Math.max(e, s) };
  }

  whole(): Span {
    const text = this.line.text;
    const lead = text.length - text.trimStart().length;
    return this.span(lead, text.trimEnd().length);
  }

  val(token: IToken): Val {
    return { text: token.image, span: this.span(token.startOffset, token.startOffset + token.image.length) };
  }

  /** The raw text from `start` to the end of the line, as one value. */
  rest(start: number): Val {
    const text = this.line.text.slice(start).trim();
    const lead = start + (this.line.text.slice(start).length - this.line.text.slice(start).trimStart().length);
    return { text, span: this.span(lead, lead + text.length) };
  }
}

function jsonCommand(text: string): { ok: true; command: CommandAst } | { ok: false } | undefined {
  if (!text.startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  if (!parsed.every((x) => typeof x === 'string')) return { ok: false };
  return { ok: true, command: { form: 'exec', argv: parsed as string[] } };
}

/** Quotes a literal string as a shell word that processWord turns back into the same string. */
export function shellWord(text: string, escape: string): string {
  return '"' + text.replace(/["\\`]/g, (c) => (c === escape || c === '"' ? escape + c : c)) + '"';
}

function instructionFor(keyword: string, ctx: LineContext, tokens: { label: string; token: IToken }[], escape: string, diagnostics: Diagnostic[]): Instruction | undefined {
  const span = ctx.whole();
  const first = tokens[0]?.token as IToken;
  const afterKeyword = first.startOffset + first.image.length;
  const values = (label: string): Val[] => tokens.filter((t) => t.label === label).map((t) => ctx.val(t.token));
  const one = (label: string): Val | undefined => values(label)[0];
  const flags = tokens.filter((t) => t.token.tokenType.name === 'Flag');
  const flagValue = (flag: IToken): Val => {
    const eq = flag.image.indexOf('=');
    const text = eq === -1 ? '' : flag.image.slice(eq + 1);
    return { text, span: ctx.span(flag.startOffset + (eq === -1 ? flag.image.length : eq + 1), flag.startOffset + flag.image.length) };
  };
  const badFlag = (flag: IToken, why: string): void => {
    diagnostics.push(createDiagnostic(parseCodes.badFlag, `${keyword}: ${why}`, { span: ctx.val(flag).span, hint: `the form is: ${USAGE[keyword] ?? keyword}` }));
  };
  switch (keyword) {
    case 'ARG': {
      const word = one('nameAndDefault') as Val;
      const eq = word.text.indexOf('=');
      if (eq === -1) return { kind: 'arg', span, name: word };
      const name = { text: word.text.slice(0, eq), span: { ...word.span, end: word.span.start + eq } };
      return { kind: 'arg', span, name, default: { text: word.text.slice(eq + 1), span: { ...word.span, start: word.span.start + eq + 1 } } };
    }
    case 'FROM': {
      let platform: Val | undefined;
      for (const { token } of flags) {
        const name = token.image.split('=')[0];
        if (name === '--platform' && platform === undefined) platform = flagValue(token);
        else badFlag(token, name === '--platform' ? '--platform is given twice' : `FROM takes only --platform, not ${name}`);
      }
      return { kind: 'from', span, image: one('imageRef') as Val, ...(platform ? { platform } : {}) };
    }
    case 'INJECT': {
      const seen = new Set<string>();
      const out: { path?: Val; to?: Val; port?: Val; args?: Val; firecracker?: Span } = {};
      const labels = { hostPath: 'path', imagePath: 'to', port: 'port', args: 'args' } as const;
      for (const t of tokens) {
        if (t.label === 'firecracker') {
          const where = ctx.val(t.token).span;
          if (out.firecracker) diagnostics.push(createDiagnostic(parseCodes.badInject, 'INJECT: FIRECRACKER is given twice', { span: where }));
          out.firecracker = where;
          continue;
        }
        const key = labels[t.label as keyof typeof labels];
        if (key === undefined) continue;
        if (seen.has(key)) {
          diagnostics.push(createDiagnostic(parseCodes.badInject, `INJECT: ${key.toUpperCase()} is given twice`, { span: ctx.val(t.token).span }));
        }
        seen.add(key);
        out[key] = ctx.val(t.token);
      }
      return { kind: 'inject', span, name: one('envd') as Val, ...out };
    }
    case 'COPY': {
      let chown: Val | undefined;
      let chmod: Val | undefined;
      for (const { token } of flags) {
        const name = token.image.split('=')[0];
        if (name === '--chown' && chown === undefined) chown = flagValue(token);
        else if (name === '--chmod' && chmod === undefined) chmod = flagValue(token);
        else if (name === '--chown' || name === '--chmod') badFlag(token, `${name} is given twice`);
        else if (name === '--from') badFlag(token, 'COPY --from is not supported: cube builds one stage');
        else badFlag(token, `COPY takes --chown and --chmod, not ${name}`);
      }
      const restStart = (tokens.find((t) => t.label === 'sourcesAndDest')?.token.startOffset ?? afterKeyword) as number;
      const json = jsonCommand(ctx.line.text.slice(restStart).trim());
      let words: Val[];
      if (json?.ok) {
        const whole = ctx.rest(restStart);
        words = json.command.form === 'exec' ? json.command.argv.map((a) => ({ text: shellWord(a, escape), span: whole.span })) : [];
      } else words = values('sourcesAndDest');
      if (words.length < 2) {
        diagnostics.push(createDiagnostic(parseCodes.syntax, 'COPY needs at least one source and a destination', { span, hint: `the form is: ${USAGE.COPY}` }));
        return undefined;
      }
      return { kind: 'copy', span, sources: words.slice(0, -1), dest: words[words.length - 1] as Val, ...(chown ? { chown } : {}), ...(chmod ? { chmod } : {}) };
    }
    case 'ENV':
    case 'LABEL': {
      const words = values('keyEqualsValue');
      const firstWord = words[0] as Val;
      if (!firstWord.text.includes('=')) {
        // Docker's legacy form: `ENV NAME value with spaces`.
        const value = words.length > 1 ? ctx.rest((tokens[2]?.token.startOffset ?? afterKeyword) as number) : undefined;
        if (!value) {
          diagnostics.push(createDiagnostic(parseCodes.badValue, `${keyword} ${firstWord.text} has no value`, { span, hint: `write ${keyword} ${firstWord.text}=value` }));
          return undefined;
        }
        return { kind: keyword === 'ENV' ? 'env' : 'label', span, pairs: [{ name: firstWord, value }] };
      }
      const pairs = [];
      for (const word of words) {
        const eq = word.text.indexOf('=');
        if (eq <= 0) {
          diagnostics.push(createDiagnostic(parseCodes.badValue, `${keyword}: "${word.text}" is not NAME=value`, { span: word.span, hint: `the form is: ${USAGE[keyword]}` }));
          continue;
        }
        pairs.push({
          name: { text: word.text.slice(0, eq), span: { ...word.span, end: word.span.start + eq } },
          value: { text: word.text.slice(eq + 1), span: { ...word.span, start: word.span.start + eq + 1 } },
        });
      }
      return { kind: keyword === 'ENV' ? 'env' : 'label', span, pairs };
    }
    case 'WORKDIR':
      return { kind: 'workdir', span, path: ctx.rest(afterKeyword) };
    case 'USER':
      return { kind: 'user', span, user: one('userAndGroup') as Val };
    case 'EXPOSE':
      return { kind: 'expose', span, ports: values('portAndProtocol') };
    case 'CMD':
    case 'ENTRYPOINT': {
      const rest = ctx.rest(afterKeyword);
      const kind = keyword === 'CMD' ? 'cmd' : 'entrypoint';
      if (kind === 'entrypoint' && rest.text.toLowerCase() === 'wrap') return { kind: 'wrap', span };
      const json = jsonCommand(rest.text);
      if (json && !json.ok) {
        diagnostics.push(createDiagnostic(parseCodes.execFormNotStrings, `${keyword}: every element of the exec form must be a string`, { span: rest.span }));
        return undefined;
      }
      if (json?.ok) return { kind, span, command: json.command };
      if (rest.text === '') {
        diagnostics.push(createDiagnostic(parseCodes.syntax, `${keyword} needs a command`, { span, hint: `the form is: ${USAGE[keyword]}` }));
        return undefined;
      }
      return { kind, span, command: { form: 'shell', command: rest.text } };
    }
    case 'SEAL':
      return { kind: 'seal', span, format: one('ext4') as Val, ...(one('size') ? { size: one('size') as Val } : {}), ...(one('free') ? { free: one('free') as Val } : {}), options: values('option') };
  }
  return undefined;
}

/** The longest instruction (with its continuation lines) cube parses. */
const MAX_INSTRUCTION = 1024 * 1024;

/** Parses Cubefile text into the syntax tree, collecting every syntax error. */
export function parseCubefileSyntax(text: string, file: string): { document: Document; diagnostics: Diagnostic[] } {
  const split = splitLogicalLines(text);
  const diagnostics: Diagnostic[] = [];
  for (const bad of split.badDirectives) {
    diagnostics.push(createDiagnostic(parseCodes.badDirective, `the "${bad.name}" directive is repeated or has an invalid value`, { span: { file, start: bad.start, end: bad.end } }));
  }
  const instructions: Instruction[] = [];
  const keywords = Object.keys(instructionTokens);
  for (const line of split.lines) {
    const ctx = new LineContext(file, line);
    const head = /^\s*(\S+)/.exec(line.text);
    if (!head) continue;
    const word = (head[1] as string).toUpperCase();
    const wordStart = line.text.indexOf(head[1] as string);
    const wordSpan = ctx.span(wordStart, wordStart + (head[1] as string).length);
    if (!keywords.includes(word)) {
      if (UNSUPPORTED[word]) {
        diagnostics.push(createDiagnostic(parseCodes.unsupportedInstruction, UNSUPPORTED[word] as string, { span: wordSpan }));
      } else {
        const near = closest(word, [...keywords, ...Object.keys(UNSUPPORTED)]);
        diagnostics.push(
          createDiagnostic(parseCodes.unknownInstruction, `unknown instruction "${head[1]}"`, {
            span: wordSpan,
            ...(near && keywords.includes(near) ? { hint: `did you mean ${near}?` } : {}),
          }),
        );
      }
      continue;
    }
    if (line.text.length > MAX_INSTRUCTION) {
      // The lexer recurses per character of a token; past a few MiB it would exhaust the stack.
      const message = `${word} is ${line.text.length} characters long; cube reads instructions of at most ${MAX_INSTRUCTION / 1024 / 1024} MiB`;
      diagnostics.push(createDiagnostic(parseCodes.syntax, message, { span: wordSpan, hint: 'a build file holds instructions, not data: put data in a file and COPY it' }));
      continue;
    }
    const lexed = lineLexer.tokenize(line.text);
    cubefileParser.input = lexed.tokens;
    const cst = cubefileParser.instruction();
    const error = cubefileParser.errors[0];
    if (error) {
      const token = error.token;
      const at = token.image !== '' && !Number.isNaN(token.startOffset) ? ctx.val(token).span : ctx.span(line.text.trimEnd().length, line.text.trimEnd().length);
      const what = token.image === '' ? 'the line ends too early' : `unexpected "${token.image}"`;
      diagnostics.push(createDiagnostic(parseCodes.syntax, `${word}: ${what}`, { span: at, hint: `the form is: ${USAGE[word]}` }));
      continue;
    }
    const instruction = instructionFor(word, ctx, orderedTokens(cst), split.escape, diagnostics);
    if (instruction) instructions.push(instruction);
  }
  return { document: { words: 'shell', escape: split.escape, instructions, ...checkField(split, file) }, diagnostics };
}
