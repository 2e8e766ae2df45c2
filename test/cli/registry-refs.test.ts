import { describe, expect, it } from 'vitest';
import { remoteCacheRefs, registryTarget } from '../../src/cli/commands/registry-refs.js';
import type { CommandContext } from '../../src/cli/command.js';
import { DiagnosticError } from '../../src/core/diagnostics/index.js';
import { textSink } from '../helpers/streams.js';

function context(env: Record<string, string> = {}): CommandContext {
  return { stdout: textSink().stream, stderr: textSink().stream, cwd: '/', env, interactive: false };
}

function usageCode(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    return error instanceof DiagnosticError ? error.diagnostics[0]?.code : 'not a diagnostic';
  }
  return undefined;
}

describe('remote cache references', () => {
  it.each([
    ['registry.example/team/cube-cache', { registry: 'registry.example', repository: 'team/cube-cache' }],
    ['type=registry,ref=registry.example/team/cube-cache', { registry: 'registry.example', repository: 'team/cube-cache' }],
    ['ref=localhost:5000/cache,type=registry', { registry: 'localhost:5000', repository: 'cache' }],
  ])('--cache-from %s', (text, expected) => {
    expect(remoteCacheRefs('build', context(), { 'cache-from': [text] }).from).toEqual([expected]);
  });

  it.each(['registry.example/team/cache:v1', 'registry.example/Team/cache', 'type=local,dest=/tmp/x', 'type=registry,ref=r.example/c,mode=max', 'type=registry'])('refuses %s as a usage error', (text) => {
    expect(usageCode(() => remoteCacheRefs('build', context(), { 'cache-to': text }))).toBe('CUBE0001');
  });

  it('takes $CUBE_CACHE_FROM (several, separated by spaces) and $CUBE_CACHE_TO when no option is given', () => {
    const env = { CUBE_CACHE_FROM: 'a.example/c  type=registry,ref=b.example/c', CUBE_CACHE_TO: 'a.example/c' };
    expect(remoteCacheRefs('build', context(env), {})).toEqual({
      from: [
        { registry: 'a.example', repository: 'c' },
        { registry: 'b.example', repository: 'c' },
      ],
      to: { registry: 'a.example', repository: 'c' },
    });
    expect(remoteCacheRefs('build', context(env), { 'cache-from': ['c.example/c'] }).from).toEqual([{ registry: 'c.example', repository: 'c' }]);
    expect(usageCode(() => remoteCacheRefs('build', context({ CUBE_CACHE_TO: 'x.example/c:tag' }), {}))).toBe('CUBE0001');
  });

  it('push and pull references keep their tag or digest', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(registryTarget('pull', 'the reference', `r.example/t@${digest}`)).toEqual({ registry: 'r.example', repository: 't', digest });
    expect(registryTarget('push', 'the reference', 'r.example/t:v1')).toEqual({ registry: 'r.example', repository: 't', tag: 'v1' });
  });
});
