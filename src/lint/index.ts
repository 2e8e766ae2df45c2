/**
 * Checks of the build file itself, after it has parsed: the rules `cube check` and `cube build`
 * run over the syntax tree and the evaluated spec, in the spirit of `docker build --check` and
 * hadolint. Pure: no file other than the build file is read (checks that need the build context
 * or the image live in src/check). Each rule's code and name are in the catalog (CUBE12xx).
 */
import type { Diagnostic } from '../core/diagnostics/index.js';
import { envdPortConflict, jsonArgsRecommended, malformedJsonArgs } from './command-rules.js';
import { ambiguousSizeUnit, copyDestinationSlash, exposeProtoCasing, keywordCasing, legacyKeyValue, workdirRelative } from './form-rules.js';
import type { LintInput, LintRule } from './lint-input.js';
import { baseImageVersion, secretNames } from './name-rules.js';

export type { LintInput, LintRule } from './lint-input.js';
export { applyPolicy, combinePolicies, DEFAULT_POLICY, directivePolicy, findRule, nearestRule, ruleNames } from './policy.js';
export type { CheckPolicy } from './policy.js';
export { looksSecret } from './name-rules.js';

const RULES: readonly LintRule[] = [
  malformedJsonArgs,
  jsonArgsRecommended,
  envdPortConflict,
  secretNames,
  baseImageVersion,
  legacyKeyValue,
  keywordCasing,
  exposeProtoCasing,
  ambiguousSizeUnit,
  workdirRelative,
  copyDestinationSlash,
];

/** Every rule's findings for one parse, in file order (skipping and strictness are applied later). */
export function lintBuildFile(input: LintInput): Diagnostic[] {
  return RULES.flatMap((rule) => rule(input)).sort((a, b) => (a.span?.start ?? -1) - (b.span?.start ?? -1));
}
