/** Helpers for tests of diagnostics: the code a promise fails with, and diagnostics with any message. */
import { DiagnosticError } from '../../src/core/diagnostics/index.js';
import type { CatalogEntry, Diagnostic, Note, Span } from '../../src/core/diagnostics/index.js';

/** Awaits `promise`; returns the first diagnostic code it failed with, rethrowing anything else. */
export async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DiagnosticError) return error.diagnostics[0]?.code;
    throw error;
  }
  return undefined;
}

/** A diagnostic of `entry`'s code with any message, for tests of what prints and filters diagnostics. */
export function diagnosticOf(entry: CatalogEntry, message: string, options: { span?: Span; notes?: readonly Note[]; hint?: string } = {}): Diagnostic {
  const hint = options.hint ?? entry.hint;
  return { code: entry.code, severity: entry.severity, message, notes: options.notes ?? [], ...(options.span ? { span: options.span } : {}), ...(hint !== undefined ? { hint } : {}) };
}
