/** The code of the DiagnosticError a promise rejects with (undefined when it resolves). */
import { DiagnosticError } from '../../src/core/diagnostics/index.js';

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
