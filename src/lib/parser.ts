/**
 * The package's `cubefile/parser` entry: read a Cubefile or cube.yaml into a typed BuildSpec with
 * its source spans and diagnostics, and print diagnostics as cube does. Documented in docs/api.md.
 */
export { convertBuildFile, formatImageRef, isYamlFile, loadBuildFile, parseCubefile, parseCubeYaml, parseImageRef, parseSize, printCubefile, printYaml } from '../parser/index.js';
export type { LoadedBuildFile, ParseOptions, ParseResult } from '../parser/index.js';
export type { BuildSpec, LaunchSpec, SealSpec, SpanTable } from '../core/build-spec.js';
export { DiagnosticError, diagnosticsToJson, hasErrors, renderDiagnostics } from '../core/diagnostics/index.js';
export type { Diagnostic, DiagnosticJson, Note, Severity, Span } from '../core/diagnostics/index.js';
