/**
 * The one flag parser of every instruction: each instruction declares the `--name=value` flags it
 * takes (and those Docker has that cube refuses, with why), and this reads them, so an unknown,
 * repeated or valueless flag is reported the same way whatever the instruction.
 */
import { parseCodes } from '../core/diagnostics/codes-parse.js';
import type { MessageValues } from '../core/diagnostics/index.js';
import { closest } from '../core/suggest.js';
import type { Val } from './ast.js';
import type { InstructionLine } from './instruction-line.js';

type BadFlag = typeof parseCodes.badFlag.messages;

/** Why cube refuses a flag Docker has: a message of CUBE1016 that needs no values. */
type RefusedFlag = { [K in keyof BadFlag]: MessageValues<BadFlag[K]> extends Record<string, never> ? K : never }[keyof BadFlag];

/** The flags of one instruction. */
export interface FlagSpec {
  /** The flags it takes, without dashes (`platform`). */
  readonly takes: readonly string[];
  /** Flags Docker has and cube does not, with the message that says why. */
  readonly refuses?: Readonly<Record<string, RefusedFlag>>;
}

/** The values of the flags given, by name without dashes; each one at most once. */
export type Flags = Readonly<Record<string, Val>>;

/** Reads the flags of `line` against `spec`, reporting every flag that is not as declared. */
export function parseFlags(line: InstructionLine, spec: FlagSpec, usage: string): Flags {
  const out: Record<string, Val> = {};
  for (const { token } of line.tokens.filter((t) => t.label === 'flag')) {
    const eq = token.image.indexOf('=');
    const flag = eq === -1 ? token.image : token.image.slice(0, eq);
    const name = flag.slice(2);
    const span = line.val(token).span;
    const refused = spec.refuses?.[name];
    if (refused !== undefined) line.report(parseCodes.badFlag, refused, {}, { span });
    else if (!spec.takes.includes(name)) {
      const near = closest(name, spec.takes);
      line.report(parseCodes.badFlag, 'unknown', { keyword: line.keyword, flag, usage }, { span, ...(near ? { suggestion: `--${near}` } : {}) });
    } else if (out[name]) line.report(parseCodes.badFlag, 'repeated', { keyword: line.keyword, flag }, { span });
    else if (eq === -1) line.report(parseCodes.badFlag, 'noValue', { keyword: line.keyword, flag }, { span });
    else out[name] = { text: token.image.slice(eq + 1), span: line.span(token.startOffset + eq + 1, token.startOffset + token.image.length) };
  }
  return out;
}
