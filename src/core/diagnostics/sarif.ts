/**
 * Diagnostics as a SARIF 2.1.0 log (`--format sarif`), the format GitHub code scanning and other
 * code review tools read: one run of the `cube` tool, a rule per code that occurs (with the
 * check's name, its summary and default hint from the catalog), and one result per diagnostic
 * with its region in 1-based lines and columns. Notes with a place become related locations.
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { catalogEntry } from './catalog.js';
import type { Diagnostic, Span } from './diagnostic.js';
import { lineColumnOf } from './render.js';
import type { SourceTexts } from './render.js';

/** The SARIF version written, and where its schema is published. */
const SARIF_VERSION = '2.1.0';
const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/** A JSON value, for the log's shape. */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** What the log says about the tool and the file checked. */
export interface SarifOptions {
  readonly toolVersion: string;
  /** Where a diagnostic without a span is reported: the build file. */
  readonly file: string;
}

function uriOf(file: string): string {
  return isAbsolute(file) ? pathToFileURL(file).href : file.split('\\').join('/');
}

function location(span: Span | undefined, file: string, sources: SourceTexts, message?: string): Json {
  const artifactLocation = { uri: uriOf(span?.file ?? file) };
  const text = span ? sources.get(span.file) : undefined;
  const where: { [key: string]: Json } = { artifactLocation };
  if (span && text !== undefined) {
    const start = lineColumnOf(text, span.start);
    const end = lineColumnOf(text, Math.max(span.end, span.start));
    where.region = { startLine: start.line, startColumn: start.column, endLine: end.line, endColumn: end.column };
  }
  return { physicalLocation: where, ...(message !== undefined ? { message: { text: message } } : {}) };
}

/** The log for `diagnostics`, as a JSON value. */
export function diagnosticsToSarif(diagnostics: readonly Diagnostic[], sources: SourceTexts, options: SarifOptions): Json {
  const codes = [...new Set(diagnostics.map((d) => d.code))].sort();
  const rules = codes.map((code) => {
    const entry = catalogEntry(code);
    return {
      id: code,
      ...(entry?.rule ? { name: entry.rule } : {}),
      ...(entry ? { shortDescription: { text: entry.summary } } : {}),
      ...(entry?.hint ? { help: { text: entry.hint } } : {}),
      defaultConfiguration: { level: entry?.severity ?? 'error' },
    };
  });
  const results = diagnostics.map((d) => {
    const related = d.notes.filter((n) => n.span).map((n, i) => ({ id: i, ...(location(n.span, options.file, sources, n.message) as { [key: string]: Json }) }));
    return {
      ruleId: d.code,
      ruleIndex: codes.indexOf(d.code),
      level: d.severity,
      message: { text: [d.message, ...d.notes.filter((n) => !n.span).map((n) => `note: ${n.message}`), ...(d.hint ? [`hint: ${d.hint}`] : [])].join('\n') },
      locations: [location(d.span, options.file, sources)],
      ...(related.length > 0 ? { relatedLocations: related } : {}),
    };
  });
  return {
    $schema: SARIF_SCHEMA,
    version: SARIF_VERSION,
    runs: [{ tool: { driver: { name: 'cube', version: options.toolVersion, rules } }, results }],
  };
}
