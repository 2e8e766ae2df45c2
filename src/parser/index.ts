/**
 * The front end: a Cubefile or cube.yaml in, a typed and validated BuildSpec (with its source
 * spans) and every diagnostic out.
 */
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import type { BuildSpec, SpanTable } from '../core/build-spec.js';
import { createDiagnostic, DiagnosticError, hasErrors } from '../core/diagnostics/index.js';
import type { Diagnostic } from '../core/diagnostics/index.js';
import { cliCodes } from '../core/diagnostics/codes-cli.js';
import { parseCubefileSyntax } from './cubefile-syntax.js';
import { evaluate } from './evaluate.js';
import { parseYamlSyntax } from './yaml-syntax.js';
import type { Document } from './ast.js';

export { formatImageRef, parseImageRef } from './image-ref.js';
export { parseSize } from './units.js';
export { parseCubefileSyntax } from './cubefile-syntax.js';
export { parseYamlSyntax, cubeYamlJsonSchema } from './yaml-syntax.js';
export { printCubefile, printYaml } from './print.js';
export { convertBuildFile } from './convert.js';
export type { Document, Instruction, Val } from './ast.js';

/** Options of the parse functions. */
export interface ParseOptions {
  /** The file name spans and messages use. */
  readonly path: string;
  readonly buildArgs?: ReadonlyMap<string, string>;
}

/** A parse: the spec when there are no errors, its spans, the syntax tree, and all diagnostics. */
export interface ParseResult {
  readonly spec?: BuildSpec;
  /** The syntax tree, variables unexpanded: what the checks that look at the form read. */
  readonly document: Document;
  readonly spans: SpanTable;
  readonly diagnostics: readonly Diagnostic[];
}

function finish(syntax: { document: Document; diagnostics: Diagnostic[] }, options: ParseOptions): ParseResult {
  const evaluation = evaluate(syntax.document, options.buildArgs ?? new Map(), options.path, hasErrors(syntax.diagnostics));
  const diagnostics = [...syntax.diagnostics, ...evaluation.diagnostics].sort((a, b) => (a.span?.start ?? -1) - (b.span?.start ?? -1));
  return { ...(!hasErrors(diagnostics) && evaluation.spec ? { spec: evaluation.spec } : {}), spans: evaluation.spans, document: syntax.document, diagnostics };
}

/** Parses Cubefile text. Never throws for bad input. */
export function parseCubefile(text: string, options: ParseOptions): ParseResult {
  return finish(parseCubefileSyntax(text, options.path), options);
}

/** Parses cube.yaml text. Never throws for bad input. */
export function parseCubeYaml(text: string, options: ParseOptions): ParseResult {
  return finish(parseYamlSyntax(text, options.path), options);
}

/** A loaded build file. */
export interface LoadedBuildFile extends ParseResult {
  /** Absolute path. */
  readonly path: string;
  /** The path spans and messages use: relative to the working directory when below it. */
  readonly displayPath: string;
  readonly format: 'cubefile' | 'yaml';
  readonly text: string;
}

/** Whether a file name is a YAML build file. */
export function isYamlFile(path: string): boolean {
  return /\.ya?ml$/i.test(path);
}

/**
 * Finds and parses the build file: `file` if given (relative to `cwd`), else `Cubefile`, else
 * `cube.yaml` in `dir` (default `cwd`). A missing or unreadable file is a DiagnosticError (CUBE0002/CUBE0003).
 */
export async function loadBuildFile(options: { file?: string; dir?: string; cwd: string; buildArgs?: ReadonlyMap<string, string> }): Promise<LoadedBuildFile> {
  const dir = resolve(options.cwd, options.dir ?? '.');
  const candidates = options.file !== undefined ? [options.file] : ['Cubefile', 'cube.yaml'];
  for (const candidate of candidates) {
    const path = options.file !== undefined ? resolve(options.cwd, candidate) : resolve(dir, candidate);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (options.file === undefined && code === 'ENOENT') continue;
      const message = code === 'ENOENT' ? 'missing' : code === 'EISDIR' ? 'directory' : 'unreadable';
      throw new DiagnosticError(createDiagnostic(cliCodes.unreadableFile, message, { file: candidate, reason: (error as Error).message }));
    }
    const format = isYamlFile(path) ? 'yaml' : 'cubefile';
    const shown = relative(options.cwd, path);
    const displayPath = shown !== '' && !shown.startsWith('..') ? shown : path;
    const parseOptions = { path: displayPath, ...(options.buildArgs ? { buildArgs: options.buildArgs } : {}) };
    const result = format === 'yaml' ? parseCubeYaml(text, parseOptions) : parseCubefile(text, parseOptions);
    return { ...result, path, displayPath, format, text };
  }
  throw new DiagnosticError(createDiagnostic(cliCodes.noBuildFile, 'none', { directory: dir }));
}
