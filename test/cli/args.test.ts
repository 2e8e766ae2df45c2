import { describe, expect, it } from 'vitest';
import { nameValueOptions, parseCommandArgs } from '../../src/cli/args.js';
import { ExitCode, exitCodeFor } from '../../src/cli/exit-codes.js';
import { DiagnosticError } from '../../src/core/diagnostics/index.js';

describe('parseCommandArgs', () => {
  it('parses known options and turns an unknown one into a CUBE0001 diagnostic', () => {
    const options = { file: { type: 'string', short: 'f' }, locked: { type: 'boolean' } } as const;
    expect(parseCommandArgs('build', ['-f', 'x', '--locked'], options).values).toEqual({ file: 'x', locked: true });
    try {
      parseCommandArgs('build', ['--lokced'], options);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DiagnosticError);
      const d = (error as DiagnosticError).diagnostics[0];
      expect(d?.code).toBe('CUBE0001');
      expect(d?.message).toContain('--lokced');
      expect(exitCodeFor((error as DiagnosticError).diagnostics)).toBe(ExitCode.usage);
    }
  });

  it('reads NAME=value options and rejects one without a name', () => {
    expect([...nameValueOptions('build', '--build-arg', ['A=1', 'B=x=y', 'C='])]).toEqual([['A', '1'], ['B', 'x=y'], ['C', '']]);
    expect(() => nameValueOptions('build', '--build-arg', ['=1'])).toThrow(DiagnosticError);
  });
});

describe('exitCodeFor', () => {
  it('maps input mistakes to 1, image and disk failures to 3', () => {
    expect(exitCodeFor([{ code: 'CUBE1003' }])).toBe(ExitCode.userError);
    expect(exitCodeFor([{ code: 'CUBE3211' }])).toBe(ExitCode.userError);
    expect(exitCodeFor([{ code: 'CUBE3105' }])).toBe(ExitCode.failure);
    expect(exitCodeFor([{ code: 'CUBE3230' }])).toBe(ExitCode.failure);
  });
});

describe('registryOptions', () => {
  it('keeps every mirror of a registry, in order, and rejects a mirror that is not a URL', async () => {
    const { registryOptions } = await import('../../src/cli/commands/shared.js');
    const options = registryOptions('build', { 'registry-mirror': ['docker.io=https://a.example', 'docker.io=http://127.0.0.1:5000', 'ghcr.io=https://b.example'], 'insecure-registry': ['reg.local:5000'] });
    expect([...options.mirrors]).toEqual([['docker.io', ['https://a.example', 'http://127.0.0.1:5000']], ['ghcr.io', ['https://b.example']]]);
    expect(options.insecureRegistries).toEqual(['reg.local:5000']);
    expect(() => registryOptions('build', { 'registry-mirror': ['docker.io=mirror.example'] })).toThrow(DiagnosticError);
  });
});
