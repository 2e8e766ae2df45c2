/**
 * `cube convert`: a build file to its twin in the other syntax. The twin is parsed back and must
 * give the same BuildSpec; where the other syntax cannot say the same thing (cube.yaml declares
 * every ARG first, so a value that used an ARG before its declaration would change), the
 * conversion is refused with the first difference, rather than writing a file that builds
 * something else.
 */
import { isDeepStrictEqual } from 'node:util';
import { createDiagnostic } from '../core/diagnostics/index.js';
import type { Diagnostic } from '../core/diagnostics/index.js';
import { cliCodes } from '../core/diagnostics/codes-cli.js';
import { parseCubefileSyntax } from './cubefile-syntax.js';
import { evaluate } from './evaluate.js';
import type { LoadedBuildFile } from './index.js';
import { printCubefile, printYaml } from './print.js';
import { parseYamlSyntax } from './yaml-syntax.js';

/** The first place two JSON-like values differ, as a `/`-path with both values. */
function firstDifference(a: unknown, b: unknown, path = ''): { path: string; a: unknown; b: unknown } | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const key of keys) {
      const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}/${key}`);
      if (found) return found;
    }
  }
  return { path: path || '/', a, b };
}

/** Converts a loaded, error-free build file; returns the text of its twin or why it cannot. */
export function convertBuildFile(loaded: LoadedBuildFile): { text: string } | { diagnostic: Diagnostic } {
  const toCubefile = loaded.format === 'yaml';
  const document = toCubefile ? parseYamlSyntax(loaded.text, loaded.displayPath).document : parseCubefileSyntax(loaded.text, loaded.displayPath).document;
  const text = toCubefile ? printCubefile(document) : printYaml(document);
  const syntax = toCubefile ? parseCubefileSyntax(text, 'Cubefile') : parseYamlSyntax(text, 'cube.yaml');
  const twin = evaluate(syntax.document, new Map(), toCubefile ? 'Cubefile' : 'cube.yaml', syntax.diagnostics.length > 0);
  const difference = firstDifference(loaded.spec, twin.spec);
  if (!difference) return { text };
  // Point at the instruction behind the first difference: the deepest path the spans know.
  const parts = difference.path.split('/');
  let span;
  for (let n = parts.length; n > 1 && !span; n--) span = loaded.spans.get(parts.slice(0, n).join('/'));
  const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));
  return {
    diagnostic: createDiagnostic(
      cliCodes.convertChangesMeaning,
      'difference',
      { syntax: toCubefile ? 'a Cubefile' : 'cube.yaml', path: difference.path, twin: show(difference.b), original: show(difference.a) },
      span ? { span } : {},
    ),
  };
}
