/**
 * Rules about how things are written: the legacy `ENV k v` form and keyword casing (Cubefile
 * only: cube.yaml has neither), EXPOSE protocols, size units, relative WORKDIRs and COPY
 * destinations that can only be directories.
 */
import { createDiagnostic } from '../core/diagnostics/index.js';
import type { Diagnostic } from '../core/diagnostics/index.js';
import { lintCodes } from '../core/diagnostics/codes-lint.js';
import type { Val } from '../parser/index.js';
import { parseSize } from '../parser/index.js';
import type { LintRule } from './lint-input.js';
import { instructionsOf, keywordOf, stepIndexOf } from './lint-input.js';

/** `ENV NAME value` and `LABEL NAME value`: the name is not followed by `=`. */
export const legacyKeyValue: LintRule = (input) => {
  if (input.document.words !== 'shell') return [];
  const out: Diagnostic[] = [];
  for (const instruction of instructionsOf(input.document, 'env', 'label')) {
    for (const { name, value } of instruction.pairs) {
      if (input.text[name.span.end] === '=') continue;
      const word = instruction.kind.toUpperCase();
      const shown = /\s/.test(value.text) && !/^["'].*["']$/.test(value.text) ? `"${value.text}"` : value.text;
      out.push(createDiagnostic(lintCodes.legacyKeyValue, 'legacy', { keyword: word, name: name.text, value: value.text, shown }, { span: { ...name.span, end: value.span.end } }));
    }
  }
  return out;
};

/** Keywords in another case than most of the file's (or in mixed case). */
export const keywordCasing: LintRule = (input) => {
  if (input.document.words !== 'shell') return [];
  const keywords = input.document.instructions.map((i) => keywordOf(i, input.text));
  const upper = keywords.filter((k) => k.text === k.text.toUpperCase()).length;
  const lower = keywords.filter((k) => k.text === k.text.toLowerCase()).length;
  const majority = lower > upper ? 'lower' : 'upper';
  return keywords
    .filter((k) => k.text !== (majority === 'upper' ? k.text.toUpperCase() : k.text.toLowerCase()))
    .map((k) => {
      const wanted = majority === 'upper' ? k.text.toUpperCase() : k.text.toLowerCase();
      return createDiagnostic(lintCodes.keywordCasing, 'casing', { keyword: k.text, majority, wanted }, { span: k.span });
    });
};

/** `EXPOSE 53/UDP`: the protocol in another case than lower. */
export const exposeProtoCasing: LintRule = (input) =>
  instructionsOf(input.document, 'expose').flatMap((instruction) =>
    instruction.ports
      .filter((p) => /\/(tcp|udp)$/i.test(p.text) && !/\/(tcp|udp)$/.test(p.text))
      .map((p) => createDiagnostic(lintCodes.exposeProtoCasing, 'casing', { port: p.text, lower: p.text.toLowerCase() }, { span: p.span })),
  );

/** Units that say exactly what they mean. */
const CLEAR_UNITS = new Set(['B', 'KiB', 'MiB', 'GiB', 'TiB', 'KB', 'kB', 'MB', 'GB', 'TB']);

/** One SEAL size value, if its unit is ambiguous. */
function sizeFinding(what: string, val: Val): Diagnostic | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([A-Za-z]+)$/.exec(val.text.trim());
  const bytes = parseSize(val.text);
  if (!match || bytes === undefined || CLEAR_UNITS.has(match[2] as string)) return undefined;
  const [, number, unit] = match as unknown as [string, string, string];
  const binary = unit.length === 1 || unit.toLowerCase().endsWith('ib');
  const upper = unit.length === 1 ? `${unit.toUpperCase()}iB` : binary ? `${unit[0]?.toUpperCase()}iB` : unit.toUpperCase();
  const other = binary ? `${unit[0]?.toUpperCase()}B` : `${unit[0]?.toUpperCase()}iB`;
  const values = { what, size: val.text, number, unit: upper, other, bytes: bytes.toLocaleString('en-US'), otherBase: binary ? 1000 : 1024 };
  return createDiagnostic(lintCodes.ambiguousSizeUnit, 'unit', values, { span: val.span });
}

/** SEAL SIZE and FREE with a single-letter unit or a unit in an unusual case. */
export const ambiguousSizeUnit: LintRule = (input) =>
  instructionsOf(input.document, 'seal').flatMap((seal) =>
    [['SIZE', seal.size] as const, ['FREE', seal.free] as const].flatMap(([what, val]) => {
      const finding = val && !val.text.includes('$') ? sizeFinding(what, val) : undefined;
      return finding ? [finding] : [];
    }),
  );

/** A relative WORKDIR (after an absolute one: before one it is an error). */
export const workdirRelative: LintRule = (input) => {
  if (!input.spec) return [];
  const out: Diagnostic[] = [];
  for (const workdir of instructionsOf(input.document, 'workdir')) {
    if (/^["']?[/$]/.test(workdir.path.text)) continue;
    const step = input.spec.steps[stepIndexOf(workdir, input.spans) ?? -1];
    if (step?.kind !== 'workdir') continue;
    out.push(createDiagnostic(lintCodes.workdirRelative, 'relative', { path: workdir.path.text, absolute: step.path }, { span: workdir.path.span }));
  }
  return out;
};

/** COPY of several sources or a pattern into a destination without a trailing `/`. */
export const copyDestinationSlash: LintRule = (input) =>
  instructionsOf(input.document, 'copy')
    .filter((copy) => (copy.sources.length > 1 || copy.sources.some((s) => /[*?[]/.test(s.text))) && !/\/["']?$/.test(copy.dest.text) && !copy.dest.text.endsWith(']'))
    .map((copy) =>
      copy.sources.length > 1
        ? createDiagnostic(lintCodes.copyDestinationSlash, 'several', { dest: copy.dest.text }, { span: copy.dest.span })
        : createDiagnostic(lintCodes.copyDestinationSlash, 'pattern', { pattern: copy.sources[0]?.text ?? '', dest: copy.dest.text }, { span: copy.dest.span }),
    );
