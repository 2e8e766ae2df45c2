/** Skipping checks and making them errors: the `# check=` directive and how a policy is applied. */
import { describe, expect, it } from 'vitest';
import { lintCodes, planCodes } from '../../src/core/diagnostics/index.js';
import { diagnosticOf } from '../helpers/diagnostics.js';
import { applyPolicy, combinePolicies, DEFAULT_POLICY, directivePolicy, findRule } from '../../src/lint/index.js';
import { parseCubefile, parseCubeYaml } from '../../src/parser/index.js';

/** The policy a Cubefile's directive lines set, with the rule names skipped as a sorted list. */
const policyOf = (directives: string): { skip: string[]; strict: boolean; errors: string[] } => {
  const { policy, diagnostics } = directivePolicy(parseCubefile(`${directives}\nFROM python:3.12\n`, { path: 'Cubefile' }).document);
  return { skip: [...policy.skip].sort(), strict: policy.strict, errors: diagnostics.map((d) => d.message) };
};

describe('# check= directive', () => {
  it.each([
    ['', [], false],
    ['# check=skip=JSONArgsRecommended', ['JSONArgsRecommended'], false],
    ['# check=skip=jsonargsrecommended,CUBE1205', ['BaseImageNoTag', 'JSONArgsRecommended'], false],
    ['# check=error=true', [], true],
    ['# check = skip=all ; error=true', ['all'], true],
    ['# syntax=docker/dockerfile:1\n# CHECK=error=false', [], false],
  ])('%j', (directives, skip, strict) => {
    expect(policyOf(directives)).toEqual({ skip, strict, errors: [] });
  });

  it('is read only at the top, as Docker reads directives', () => {
    expect(policyOf('# a comment\n# check=error=true')).toEqual({ skip: [], strict: false, errors: [] });
  });

  it('names what it cannot read', () => {
    expect(policyOf('# check=skip=Nope;error=maybe').errors).toEqual([
      '# check=skip=Nope;error=maybe: "Nope" is not a check',
      '# check=skip=Nope;error=maybe: "error=maybe" is not skip=RULE,… or error=true|false',
    ]);
  });

  it('is read from the top comments of cube.yaml too', () => {
    const { policy } = directivePolicy(parseCubeYaml('# check=skip=BaseImageNoTag\nfrom: python\n', { path: 'cube.yaml' }).document);
    expect([...policy.skip]).toEqual(['BaseImageNoTag']);
  });
});

describe('applying a policy', () => {
  const warning = diagnosticOf(lintCodes.imageNoTag, 'no tag');
  const error = diagnosticOf(planCodes.envdNotFound, 'no envd');

  it('skips checks by name and leaves every other diagnostic alone', () => {
    expect(applyPolicy([warning, error], { skip: new Set(['BaseImageNoTag']), strict: false })).toEqual([error]);
    expect(applyPolicy([warning, error], { skip: new Set(['all']), strict: false })).toEqual([error]);
  });

  it('makes check findings errors when strict, and only those', () => {
    expect(applyPolicy([warning, error], { skip: new Set(), strict: true }).map((d) => d.severity)).toEqual(['error', 'error']);
    expect(applyPolicy([diagnosticOf(planCodes.platformMismatch, 'other platform')], { skip: new Set(), strict: true })[0]?.severity).toBe('warning');
  });

  it('combines the file and the command line: either may skip, either may make errors', () => {
    const both = combinePolicies({ skip: new Set(['A']), strict: false }, { skip: new Set(['B']), strict: true });
    expect({ skip: [...both.skip], strict: both.strict }).toEqual({ skip: ['A', 'B'], strict: true });
    expect(combinePolicies(DEFAULT_POLICY, DEFAULT_POLICY).strict).toBe(false);
  });

  it('finds rules by name or code, in any case, and nothing else', () => {
    expect(findRule('undefinedvar')?.code).toBe('CUBE1024');
    expect(findRule('cube1201')?.rule).toBe('MalformedJSONArgs');
    expect(findRule('CUBE2001')).toBeUndefined();
  });
});
