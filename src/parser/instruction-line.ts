/**
 * One Cubefile instruction as its parse function sees it: the logical line, the tokens the
 * grammar labelled, and where diagnostics go. Offsets into the logical line become source spans
 * here, so a parse function never counts columns itself.
 */
import type { IToken } from 'chevrotain';
import { createDiagnostic } from '../core/diagnostics/index.js';
import type { CatalogEntry, Diagnostic, DiagnosticOptions, MessageValues, Span } from '../core/diagnostics/index.js';
import type { Val } from './ast.js';
import { lineSpan } from './logical-lines.js';
import type { LogicalLine } from './logical-lines.js';

/** A token with the label the grammar consumed it under. */
interface LabelledToken {
  readonly label: string;
  readonly token: IToken;
}

/** One instruction's line, tokens and diagnostics. */
export class InstructionLine {
  constructor(
    readonly file: string,
    readonly line: LogicalLine,
    /** The instruction keyword, upper case. */
    readonly keyword: string,
    /** The escape character of the file's shell words. */
    readonly escape: '\\' | '`',
    readonly tokens: readonly LabelledToken[],
    readonly diagnostics: Diagnostic[],
  ) {}

  /** The source span of `text[start, end)` of the logical line. */
  span(start: number, end: number): Span {
    return lineSpan(this.file, this.line, start, end);
  }

  /** The whole instruction, without surrounding blanks. */
  whole(): Span {
    const text = this.line.text;
    const lead = text.length - text.trimStart().length;
    return this.span(lead, text.trimEnd().length);
  }

  /** A token as a value. */
  val(token: IToken): Val {
    return { text: token.image, span: this.span(token.startOffset, token.startOffset + token.image.length) };
  }

  /** The raw text from `start` to the end of the line, as one value. */
  rest(start: number): Val {
    const tail = this.line.text.slice(start);
    const text = tail.trim();
    const lead = start + (tail.length - tail.trimStart().length);
    return { text, span: this.span(lead, lead + text.length) };
  }

  /** Where the arguments begin: after the keyword and its flags. */
  argumentsStart(): number {
    const last = [...this.tokens].reverse().find((t) => t.label === 'flag') ?? this.tokens[0];
    return last ? last.token.startOffset + last.token.image.length : 0;
  }

  /** The tokens consumed under `label`, as values. */
  values(label: string): Val[] {
    return this.tokens.filter((t) => t.label === label).map((t) => this.val(t.token));
  }

  /** The first token consumed under `label`, as a value. */
  one(label: string): Val | undefined {
    return this.values(label)[0];
  }

  /** Reports a diagnostic from a catalog template. */
  report<E extends CatalogEntry, K extends keyof E['messages'] & string>(entry: E, message: K, values: MessageValues<E['messages'][K]>, options: DiagnosticOptions = {}): void {
    this.diagnostics.push(createDiagnostic(entry, message, values, options));
  }
}
