import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheDirectory, writeFileAtomic } from '../../src/core/paths.js';

describe('cacheDirectory', () => {
  it('prefers CUBE_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(cacheDirectory({ CUBE_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c');
    expect(cacheDirectory({ XDG_CACHE_HOME: '/x' })).toBe('/x/cube');
    expect(cacheDirectory({ HOME: '/h' })).toMatch(/\.cache\/cube$/);
  });
});

describe('writeFileAtomic', () => {
  it('creates parents, writes the whole file and leaves no temporary behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cube-paths-'));
    const target = join(dir, 'a', 'b.json');
    await writeFileAtomic(target, 'one');
    await writeFileAtomic(target, 'two');
    expect(await readFile(target, 'utf8')).toBe('two');
    expect(await readdir(join(dir, 'a'))).toEqual(['b.json']);
  });
});
