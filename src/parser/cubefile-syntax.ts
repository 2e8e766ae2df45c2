/**
 * Cubefile text to the syntax tree: Docker's line rules (logical-lines.ts), then one instruction
 * per logical line through the chevrotain grammar and the instruction's own parse function
 * (instructions.ts). Every line is parsed on its own, so one bad line never hides the errors of
 * the others.
 */
import { createDiagnostic } from '../core/diagnostics/index.js';
import type { Diagnostic } from '../core/diagnostics/index.js';
import { parseCodes } from '../core/diagnostics/codes-parse.js';
import { closest } from '../core/suggest.js';
import type { Document, Instruction } from './ast.js';
import { cubefileParser, lineLexer, orderedTokens } from './grammar.js';
import { InstructionLine } from './instruction-line.js';
import { INSTRUCTIONS, parseInstruction } from './instructions.js';
import type { Keyword } from './instructions.js';
import { checkField, lineSpan, splitLogicalLines } from './logical-lines.js';
import type { LogicalLine } from './logical-lines.js';

/** The longest instruction (with its continuation lines) cube parses. */
const MAX_INSTRUCTION = 1024 * 1024;

const KEYWORDS = Object.keys(INSTRUCTIONS) as Keyword[];
/** Dockerfile instructions cube refuses, each with a message of its own in the catalog. */
const UNSUPPORTED = parseCodes.unsupportedInstruction.messages;

/** The keyword of a line that names a known instruction, or undefined after reporting why not. */
function keywordOf(file: string, line: LogicalLine, diagnostics: Diagnostic[]): Keyword | undefined {
  const head = /^\s*(\S+)/.exec(line.text);
  if (!head) return undefined;
  const written = head[1] as string;
  const word = written.toUpperCase();
  const start = line.text.indexOf(written);
  const span = lineSpan(file, line, start, start + written.length);
  if (word in UNSUPPORTED) {
    diagnostics.push(createDiagnostic(parseCodes.unsupportedInstruction, word as keyof typeof UNSUPPORTED, {}, { span }));
    return undefined;
  }
  if (!(KEYWORDS as string[]).includes(word)) {
    const near = closest(word, [...KEYWORDS, ...Object.keys(UNSUPPORTED)]);
    const suggestion = near && (KEYWORDS as string[]).includes(near) ? { suggestion: near } : {};
    diagnostics.push(createDiagnostic(parseCodes.unknownInstruction, 'unknown', { word: written }, { span, ...suggestion }));
    return undefined;
  }
  if (line.text.length > MAX_INSTRUCTION) {
    // The lexer recurses per character of a token; past a few MiB it would exhaust the stack.
    diagnostics.push(createDiagnostic(parseCodes.syntax, 'tooLong', { keyword: word, length: line.text.length, most: MAX_INSTRUCTION / 1024 / 1024 }, { span }));
    return undefined;
  }
  return word as Keyword;
}

/** One logical line through the grammar and its instruction's parse function. */
function parseLine(file: string, line: LogicalLine, keyword: Keyword, escape: '\\' | '`', diagnostics: Diagnostic[]): Instruction | undefined {
  cubefileParser.input = lineLexer.tokenize(line.text).tokens;
  const cst = cubefileParser.instruction();
  const error = cubefileParser.errors[0];
  const context = new InstructionLine(file, line, keyword, escape, error ? [] : orderedTokens(cst), diagnostics);
  if (!error) return parseInstruction(keyword, context);
  const token = error.token;
  const usage = INSTRUCTIONS[keyword].usage;
  if (token.image === '' || Number.isNaN(token.startOffset)) {
    const end = line.text.trimEnd().length;
    context.report(parseCodes.syntax, 'endsEarly', { keyword, usage }, { span: context.span(end, end) });
  } else context.report(parseCodes.syntax, 'unexpected', { keyword, token: token.image, usage }, { span: context.val(token).span });
  return undefined;
}

/** Parses Cubefile text into the syntax tree, collecting every syntax error. */
export function parseCubefileSyntax(text: string, file: string): { document: Document; diagnostics: Diagnostic[] } {
  const split = splitLogicalLines(text);
  const diagnostics: Diagnostic[] = [];
  for (const bad of split.badDirectives) {
    diagnostics.push(createDiagnostic(parseCodes.badDirective, 'badDirective', { name: bad.name }, { span: { file, start: bad.start, end: bad.end } }));
  }
  const instructions: Instruction[] = [];
  for (const line of split.lines) {
    const keyword = keywordOf(file, line, diagnostics);
    const instruction = keyword ? parseLine(file, line, keyword, split.escape, diagnostics) : undefined;
    if (instruction) instructions.push(instruction);
  }
  return { document: { words: 'shell', escape: split.escape, instructions, ...checkField(split, file) }, diagnostics };
}
