/**
 * The options `check` and `build` share to weigh the check rules: `--skip RULE[,RULE]` (names
 * or codes, repeatable) and `--strict`, as Docker's `# check=skip=…;error=true` directive does
 * from inside the build file.
 */
import type { CheckPolicy } from '../../lint/index.js';
import { nearestRule, ruleNames } from '../../lint/index.js';
import { checkRules } from '../../core/diagnostics/catalog.js';
import { createDiagnostic, DiagnosticError } from '../../core/diagnostics/index.js';
import { cliCodes } from '../../core/diagnostics/codes-cli.js';

/** The check policy options, for `parseArgs`. */
export const checkPolicyOptions = {
  skip: { type: 'string', multiple: true },
  strict: { type: 'boolean' },
} as const;

/** The values of {@link checkPolicyOptions}, for shell completion: every check's name. */
export function checkPolicyCompletion(): { readonly skip: readonly string[] } {
  return { skip: ['all', ...checkRules().map((e) => e.rule as string)] };
}

/** The usage lines of {@link checkPolicyOptions}. */
export const checkPolicyUsage = `      --skip RULE[,RULE]  do not run these checks (names or codes, see docs/checks.md;
                          repeatable; \`all\` skips every check)
      --strict            make every check's finding an error (as # check=error=true)
`;

/** The policy the command line asks for; an unknown rule name is a usage error. */
export function checkPolicyOf(command: string, values: { readonly skip?: readonly string[]; readonly strict?: boolean }): CheckPolicy {
  const names = (values.skip ?? []).flatMap((v) => v.split(',')).map((n) => n.trim()).filter((n) => n !== '');
  const skip = ruleNames(names, (unknown) => {
    const near = nearestRule(unknown);
    throw new DiagnosticError(createDiagnostic(cliCodes.usage, 'unknownCheck', { command, name: unknown }, near ? { suggestion: near } : {}));
  });
  return { skip: new Set(skip), strict: values.strict === true };
}
