/**
 * The Cubefile instructions, one table keyed by keyword: each one's form (for hints), the flags
 * it takes, and its parse function, which turns the grammar's labelled tokens into the syntax
 * tree's instruction. The verbs line up through the stages: `parseCopy` here, `evaluateCopy` in
 * evaluate-*.ts, the plan's `copy` node and the executor's `applyCopy`.
 */
import { parseCodes } from '../core/diagnostics/codes-parse.js';
import type { Span } from '../core/diagnostics/index.js';
import type { CommandAst, Instruction, Val } from './ast.js';
import { parseFlags } from './flags.js';
import type { FlagSpec, Flags } from './flags.js';
import type { instructionTokens } from './grammar.js';
import type { InstructionLine } from './instruction-line.js';

/** An instruction keyword. */
export type Keyword = keyof typeof instructionTokens;

/** What the table knows of one instruction. */
interface InstructionParser {
  /** The instruction's form, for hints. */
  readonly usage: string;
  readonly flags: FlagSpec;
  /** The instruction, or undefined after reporting why there is none. */
  readonly parse: (line: InstructionLine, flags: Flags) => Instruction | undefined;
}

const NO_FLAGS: FlagSpec = { takes: [] };

/** `NAME=value` split at the first `=`, each part with its own span; undefined without `=`. */
function splitAssignment(word: Val): { name: Val; value: Val } | undefined {
  const eq = word.text.indexOf('=');
  if (eq === -1) return undefined;
  return {
    name: { text: word.text.slice(0, eq), span: { ...word.span, end: word.span.start + eq } },
    value: { text: word.text.slice(eq + 1), span: { ...word.span, start: word.span.start + eq + 1 } },
  };
}

/** The strings of a JSON array with their offsets in `text`; undefined when it is not one, `false` when an element is not a string. */
function jsonStrings(text: string): { value: string; start: number; end: number }[] | false | undefined {
  if (!text.startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  if (!parsed.every((x) => typeof x === 'string')) return false;
  // Every element is a string, so the n-th string literal in the text is the n-th element.
  const literals = [...text.matchAll(/"(?:[^"\\]|\\.)*"/g)];
  return (parsed as string[]).map((value, i) => {
    const at = literals[i] as RegExpMatchArray;
    return { value, start: at.index as number, end: (at.index as number) + at[0].length };
  });
}

function parseArg(line: InstructionLine): Instruction {
  const word = line.one('nameAndDefault') as Val;
  const split = splitAssignment(word);
  return split ? { kind: 'arg', span: line.whole(), name: split.name, default: split.value } : { kind: 'arg', span: line.whole(), name: word };
}

function parseFrom(line: InstructionLine, flags: Flags): Instruction {
  return { kind: 'from', span: line.whole(), image: line.one('imageRef') as Val, ...(flags.platform ? { platform: flags.platform } : {}) };
}

function parseInject(line: InstructionLine): Instruction {
  const out: { path?: Val; to?: Val; port?: Val; args?: Val; firecracker?: Span } = {};
  const options = { hostPath: 'path', imagePath: 'to', port: 'port', args: 'args', firecracker: 'firecracker' } as const;
  for (const { label, token } of line.tokens) {
    const key = options[label as keyof typeof options];
    if (key === undefined) continue;
    const val = line.val(token);
    if (out[key]) line.report(parseCodes.badInject, 'optionTwice', { option: key.toUpperCase() }, { span: val.span });
    if (key === 'firecracker') out.firecracker = val.span;
    else out[key] = val;
  }
  return { kind: 'inject', span: line.whole(), name: line.one('envd') as Val, ...out };
}

function parseCopy(line: InstructionLine, flags: Flags): Instruction | undefined {
  const span = line.whole();
  const tail = line.line.text.slice(line.argumentsStart());
  const lead = line.line.text.length - tail.length + (tail.length - tail.trimStart().length);
  const json = jsonStrings(tail.trim());
  const words: Val[] = json ? json.map((s) => ({ text: s.value, span: line.span(lead + s.start, lead + s.end) })) : line.values('sourcesAndDest');
  if (words.length < 2) {
    line.report(parseCodes.syntax, 'copyArguments', { usage: INSTRUCTIONS.COPY.usage }, { span });
    return undefined;
  }
  return {
    kind: 'copy',
    span,
    sources: words.slice(0, -1),
    dest: words[words.length - 1] as Val,
    ...(flags.chown ? { chown: flags.chown } : {}),
    ...(flags.chmod ? { chmod: flags.chmod } : {}),
    ...(json ? { json: true as const } : {}),
  };
}

function parsePairs(line: InstructionLine): Instruction | undefined {
  const kind = line.keyword === 'ENV' ? 'env' : 'label';
  const span = line.whole();
  const tokens = line.tokens.filter((t) => t.label === 'keyEqualsValue');
  const words = tokens.map((t) => line.val(t.token));
  const first = words[0] as Val;
  if (!first.text.includes('=')) {
    // Docker's legacy form: `ENV NAME value with spaces`.
    const second = tokens[1]?.token;
    const value = second ? line.rest(second.startOffset) : undefined;
    if (!value) {
      line.report(parseCodes.badValue, 'noValue', { keyword: line.keyword, name: first.text }, { span });
      return undefined;
    }
    return { kind, span, pairs: [{ name: first, value }] };
  }
  const pairs = [];
  for (const word of words) {
    const split = splitAssignment(word);
    if (!split || split.name.text === '') line.report(parseCodes.badValue, 'notNameValue', { keyword: line.keyword, word: word.text, usage: INSTRUCTIONS[line.keyword as Keyword].usage }, { span: word.span });
    else pairs.push(split);
  }
  return { kind, span, pairs };
}

function parseCommand(line: InstructionLine): Instruction | undefined {
  const span = line.whole();
  const rest = line.rest(line.argumentsStart());
  const kind = line.keyword === 'CMD' ? 'cmd' : 'entrypoint';
  if (kind === 'entrypoint' && rest.text.toLowerCase() === 'wrap') return { kind: 'wrap', span };
  const json = jsonStrings(rest.text);
  if (json === false) {
    line.report(parseCodes.execFormNotStrings, 'notStrings', { keyword: line.keyword }, { span: rest.span });
    return undefined;
  }
  if (rest.text === '') {
    line.report(parseCodes.syntax, 'noCommand', { keyword: line.keyword, usage: INSTRUCTIONS[line.keyword as Keyword].usage }, { span });
    return undefined;
  }
  const command: CommandAst = json ? { form: 'exec', argv: json.map((s) => s.value) } : { form: 'shell', command: rest.text };
  return { kind, span, command };
}

function parseSeal(line: InstructionLine): Instruction {
  const size = line.one('size');
  const free = line.one('free');
  return { kind: 'seal', span: line.whole(), format: line.one('ext4') as Val, ...(size ? { size } : {}), ...(free ? { free } : {}), options: line.values('option') };
}

/** Every instruction, in the order `cube --help` and the docs list them. */
export const INSTRUCTIONS: Readonly<Record<Keyword, InstructionParser>> = {
  ARG: { usage: 'ARG NAME[=default]', flags: NO_FLAGS, parse: parseArg },
  FROM: { usage: 'FROM [--platform=os/arch] IMAGE', flags: { takes: ['platform'] }, parse: parseFrom },
  INJECT: { usage: 'INJECT envd [PATH host-path] [TO /in/image/path] [PORT n] [ARGS "…"] [FIRECRACKER]', flags: NO_FLAGS, parse: parseInject },
  COPY: { usage: 'COPY [--chown=user:group] [--chmod=mode] SRC… DEST', flags: { takes: ['chown', 'chmod'], refuses: { from: 'copyFrom' } }, parse: parseCopy },
  ENV: { usage: 'ENV NAME=value …', flags: NO_FLAGS, parse: parsePairs },
  LABEL: { usage: 'LABEL name=value …', flags: NO_FLAGS, parse: parsePairs },
  WORKDIR: { usage: 'WORKDIR /path', flags: NO_FLAGS, parse: (line) => ({ kind: 'workdir', span: line.whole(), path: line.rest(line.argumentsStart()) }) },
  USER: { usage: 'USER user[:group]', flags: NO_FLAGS, parse: (line) => ({ kind: 'user', span: line.whole(), user: line.one('userAndGroup') as Val }) },
  EXPOSE: { usage: 'EXPOSE port[/tcp|/udp] …', flags: NO_FLAGS, parse: (line) => ({ kind: 'expose', span: line.whole(), ports: line.values('portAndProtocol') }) },
  CMD: { usage: 'CMD ["exec", "form"] | CMD shell command', flags: NO_FLAGS, parse: parseCommand },
  ENTRYPOINT: { usage: 'ENTRYPOINT ["exec", "form"] | ENTRYPOINT shell command | ENTRYPOINT wrap', flags: NO_FLAGS, parse: parseCommand },
  SEAL: { usage: 'SEAL ext4 [SIZE n | FREE n] [journal] [metadata_csum] [dir_index] [holes] [label=NAME]', flags: NO_FLAGS, parse: parseSeal },
};

/** Parses one instruction's line with its table entry: flags first, then the instruction itself. */
export function parseInstruction(keyword: Keyword, line: InstructionLine): Instruction | undefined {
  const entry = INSTRUCTIONS[keyword];
  const flags = parseFlags(line, entry.flags, entry.usage);
  return entry.parse(line, flags);
}
