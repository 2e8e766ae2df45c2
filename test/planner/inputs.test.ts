/** Inputs resolved once: envd by precedence, COPY context rules, the stat cache, the lockfile. */
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ENVD_HOST_PATH } from '../../src/core/build-spec.js';
import { DiagnosticError } from '../../src/core/diagnostics/index.js';
import { elfWith } from '../helpers/elf.js';
import { makeProject, settle } from '../helpers/plan-project.js';
import type { Project } from '../helpers/plan-project.js';

let project: Project;
beforeEach(async () => {
  project = await makeProject();
});
afterEach(async () => {
  await rm(project.dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string; hint?: string; line?: boolean }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof DiagnosticError)) throw error;
    const d = error.diagnostics[0];
    if (!d) throw error;
    return { code: d.code, message: d.message, ...(d.hint ? { hint: d.hint } : {}), line: d.span !== undefined };
  }
  throw new Error('expected a diagnostic');
}

describe('envd resolution', () => {
  const file = 'FROM oci-layout:layout:v1\nINJECT envd PATH envd\n';
  const noPath = 'FROM oci-layout:layout:v1\nINJECT envd\n';

  it('prefers --envd-path, then INJECT PATH, then $CUBE_ENVD_PATH, then the default', async () => {
    await project.write('flag-envd', elfWith('a'), 0o755);
    await project.write('env-envd', elfWith('b'), 0o755);
    const env = { CUBE_ENVD_PATH: join(project.dir, 'env-envd') };
    expect((await project.plan(file, { envdFlag: join(project.dir, 'flag-envd'), env })).inputs.envd?.hostPath).toBe(join(project.dir, 'flag-envd'));
    expect((await project.plan(file, { env })).inputs.envd?.hostPath).toBe(join(project.dir, 'envd'));
    expect((await project.plan(noPath, { env })).inputs.envd?.origin).toEqual({ kind: 'env', variable: 'CUBE_ENVD_PATH' });
    const viaDefault = await failure(project.plan(noPath));
    expect(viaDefault.code).toBe('CUBE2001');
    expect(viaDefault.message).toContain(DEFAULT_ENVD_HOST_PATH);
    expect(viaDefault.message).toContain('the default path');
  });

  it('names the origin of a bad path: the flag, the file line, the variable', async () => {
    const flag = await failure(project.plan(file, { envdFlag: join(project.dir, 'nope') }));
    expect(flag).toMatchObject({ code: 'CUBE2001', line: false });
    expect(flag.message).toContain('from --envd-path');
    const inFile = await failure(project.plan('FROM oci-layout:layout:v1\nINJECT envd PATH missing/envd\n'));
    expect(inFile).toMatchObject({ code: 'CUBE2001', line: true });
    expect(inFile.message).toContain('from INJECT envd PATH');
    const variable = await failure(project.plan(noPath, { env: { CUBE_ENVD_PATH: project.dir } }));
    expect(variable.code).toBe('CUBE2002');
    expect(variable.message).toContain('$CUBE_ENVD_PATH');
  });

  it.each([
    ['empty', Buffer.alloc(0), 'CUBE2016', 'is empty'],
    ['a shell script', Buffer.from('#!/bin/sh\nexec envd-real "$@"\n'), 'CUBE2017', 'is a script'],
    ['a gzip archive', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), 'CUBE2017', 'is not an ELF executable'],
    ['an arm64 ELF for an amd64 image', elfWith('envd', 'arm64'), 'CUBE2018', 'is built for arm64, but the image is linux/amd64'],
    ['a 32-bit x86 ELF for an amd64 image', Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]), Buffer.alloc(10), Buffer.from([3, 0])]), 'CUBE2018', 'is built for 386'],
    ['over 16 MiB', Buffer.concat([elfWith('envd'), Buffer.alloc(16 * 1024 * 1024)]), 'CUBE2019', 'over the limit of 16.0 MiB'],
  ])('refuses an envd that is %s, naming where it came from, before anything is built', async (_what, bytes, code, text) => {
    await project.write('bad-envd', bytes, 0o755);
    const fromFlag = await failure(project.plan(file, { envdFlag: join(project.dir, 'bad-envd') }));
    expect(fromFlag.code).toBe(code);
    expect(fromFlag.message).toContain(text);
    expect(fromFlag.message).toContain('(from --envd-path)');
    const inFile = await failure(project.plan('FROM oci-layout:layout:v1\nINJECT envd PATH bad-envd\n'));
    expect(inFile).toMatchObject({ code, line: true });
  });

  it('takes a larger envd when --envd-max-size says so, and reads its interpreter', async () => {
    await project.write('big-envd', Buffer.concat([elfWith('envd'), Buffer.alloc(17 * 1024 * 1024)]), 0o755);
    const planned = await project.plan(file, { envdFlag: join(project.dir, 'big-envd'), envdMaxSize: 32 * 1024 * 1024 });
    expect(planned.inputs.envd?.size).toBe(17 * 1024 * 1024 + 64 + 4);
    expect(planned.inputs.envd?.interpreter).toBeUndefined();
  });

  it('an envd named by --envd-path or $CUBE_ENVD_PATH for a file without INJECT envd is an error', async () => {
    const plain = 'FROM oci-layout:layout:v1\nCMD ["sh"]\n';
    await rm(join(project.dir, 'Cubefile.lock'), { force: true });
    const flag = await failure(project.plan(plain, { envdFlag: join(project.dir, 'envd') }));
    // Found before the image is resolved: no lockfile is written for a build that cannot run.
    await expect(readFile(join(project.dir, 'Cubefile.lock'))).rejects.toThrow();
    expect(flag.code).toBe('CUBE2020');
    expect(flag.message).toBe('--envd-path names an envd binary, but Cubefile has no INJECT envd');
    const variable = await failure(project.plan(plain, { env: { CUBE_ENVD_PATH: join(project.dir, 'envd') } }));
    expect(variable.message).toBe('$CUBE_ENVD_PATH names an envd binary, but Cubefile has no INJECT envd');
    expect((await project.plan(plain, { env: { CUBE_ENVD_PATH: '' } })).inputs.envd).toBeUndefined();
  });

  it('warns when envd is injected off the PATH the platform\'s capability probe uses', async () => {
    const off = await project.plan('FROM oci-layout:layout:v1\nINJECT envd PATH envd TO /opt/envd/envd\n');
    expect(off.diagnostics.map((d) => [d.code, d.message])).toEqual([['CUBE2021', 'envd goes to /opt/envd/envd, but /opt/envd is not on PATH=/bin']]);
    const onPath = await project.plan('FROM oci-layout:layout:v1\nENV PATH=/opt/envd:/bin\nINJECT envd PATH envd TO /opt/envd/envd\n');
    expect(onPath.diagnostics).toEqual([]);
  });

  it('hashes envd once and hands the executor the digest it verifies against', async () => {
    const result = await project.plan(file);
    expect(result.inputs.envd?.digest).toMatch(/^sha256:/);
    const inject = result.plan.nodes.find((n) => n.kind === 'inject');
    expect((inject?.params as { sha256: string }).sha256).toBe(result.inputs.envd?.digest);
  });
});

describe('the stat cache', () => {
  const file = 'FROM oci-layout:layout:v1\nCOPY app /app\n';

  it('does not re-read unchanged files, and always re-reads a changed one', async () => {
    await project.write('app/big.bin', Buffer.alloc(4 << 20, 7));
    const first = await project.plan(file);
    expect(first.filesRead).toBe(3);
    const second = await project.plan(file);
    expect(second.filesRead).toBe(0);
    expect(second.plan.roots.seal).toBe(first.plan.roots.seal);
    await project.write('app/big.bin', Buffer.alloc(4 << 20, 8));
    const third = await project.plan(file);
    expect(third.filesRead).toBe(1);
    expect(third.plan.roots.seal).not.toBe(first.plan.roots.seal);
  });

  it('does not trust a file modified within the last seconds', async () => {
    await writeFile(join(project.dir, 'app/fresh.py'), 'new\n');
    await project.plan(file);
    expect((await project.plan(file)).filesRead).toBe(1);
    await settle(join(project.dir, 'app/fresh.py'));
  });
});

describe('the build context', () => {
  it('honours .cubeignore, expands globs, refuses paths outside the context', async () => {
    await project.write('.cubeignore', '**/*.pyc\nsecret.txt\n');
    await project.write('app/cache.pyc', 'x');
    await project.write('secret.txt', 's');
    const result = await project.plan('FROM oci-layout:layout:v1\nCOPY app /app\nCOPY app/*.py /flat/\n');
    const [dir, glob] = result.inputs.steps;
    expect(dir?.kind === 'copy' && dir.copy.sources[0]?.entries.map((e) => e.relative)).toEqual(['lib', 'lib/util.py', 'main.py']);
    expect(glob?.kind === 'copy' && glob.copy.sources.map((s) => s.name)).toEqual(['main.py']);
    expect((await failure(project.plan('FROM oci-layout:layout:v1\nCOPY secret.txt /s\n'))).code).toBe('CUBE2004');
    expect((await failure(project.plan('FROM oci-layout:layout:v1\nCOPY ../outside /o\n'))).code).toBe('CUBE2005');
    expect((await failure(project.plan('FROM oci-layout:layout:v1\nCOPY nothing-*.txt /o/\n'))).code).toBe('CUBE2004');
  });

  it('finds a plain level below a pattern-matched directory whose name is not UTF-8', async () => {
    await mkdir(Buffer.concat([Buffer.from(join(project.dir, 'tree', 'caf')), Buffer.from([0xe9])]), { recursive: true });
    await writeFile(Buffer.concat([Buffer.from(join(project.dir, 'tree', 'caf')), Buffer.from([0xe9]), Buffer.from('/f')]), 'x');
    await project.write('tree/ok/f', 'y');
    const step = (await project.plan('FROM oci-layout:layout:v1\nCOPY tree/*/f /flat/\n')).inputs.steps[0];
    expect(step?.kind === 'copy' && step.copy.sources.length).toBe(2);
  });

  it('matches [classes], [^negated] ones and ?, each directory level on its own', async () => {
    await project.write('app/!x.py', 'x');
    await project.write('app/a*b.py', 'x');
    const names = async (source: string): Promise<string[]> => {
      const step = (await project.plan(`FROM oci-layout:layout:v1\nCOPY ${source} /flat/\n`)).inputs.steps[0];
      return step?.kind === 'copy' ? step.copy.sources.map((s) => s.name) : [];
    };
    expect(await names('app/[lm]*.p?')).toEqual(['main.py']);
    expect(await names('app/[^m]*.py')).toEqual(['!x.py', 'a*b.py']);
    expect(await names('app/[!]*.py')).toEqual(['!x.py']);
    expect(await names('app/a\\*b.py')).toEqual(['a*b.py']);
    expect(await names('*/main.py')).toEqual(['main.py']);
    expect(await names('app/*/*.py')).toEqual(['util.py']);
    expect((await failure(project.plan('FROM oci-layout:layout:v1\nCOPY app/[z-a].py /o/\n'))).code).toBe('CUBE2004');
  });

  it.each([
    ['app/[]a].py', 'a [ … ] that starts with ]'],
    ['app/[-].py', 'a - that is not between two characters'],
    ['app/[x-].py', 'a - that is not between two characters'],
    ['app/[-x].py', 'a - that is not between two characters'],
    ['app/[a-b-c].py', 'a - that is not between two characters'],
    ['app/main[.py', 'a [ that is not closed'],
    ['app/[ab', 'a [ that is not closed'],
  ])('reports the bad pattern %s at the word, before reading any directory', async (source, why) => {
    const text = `FROM oci-layout:layout:v1\nCOPY app/main.py ${source} /o/\n`;
    const error = await project.plan(text).catch((e: unknown) => e);
    const d = (error as DiagnosticError).diagnostics[0];
    expect(d?.code).toBe('CUBE2015');
    expect(d?.message).toContain(why);
    expect(d?.span && text.slice(d.span.start, d.span.end)).toBe(source);
  });

  it('names a .cubeignore line that is not a valid pattern', async () => {
    await project.write('.cubeignore', '# build output\n*.pyc\n  cache[/\n');
    const error = await project.plan('FROM oci-layout:layout:v1\nCOPY app /app\n').catch((e: unknown) => e);
    const diagnostic = (error as DiagnosticError).diagnostics[0];
    expect(diagnostic?.code).toBe('CUBE2014');
    expect(diagnostic?.span && '# build output\n*.pyc\n  cache[/\n'.slice(diagnostic.span.start, diagnostic.span.end)).toBe('cache[/');
    expect((error as DiagnosticError).sources.get('.cubeignore')).toContain('cache[/');
  });

  it('never copies the output directory of cube itself, .cube, at the context root', async () => {
    await project.write('.cube/out/app/rootfs.ext4', 'an earlier build');
    await project.write('lib/.cube/kept.txt', 'not at the root: kept');
    const result = await project.plan('FROM oci-layout:layout:v1\nCOPY . /app\n');
    const step = result.inputs.steps[0];
    const copied = step?.kind === 'copy' ? step.copy.sources[0]?.entries.map((e) => e.relative) : [];
    expect(copied).not.toContain('.cube');
    expect(copied).toContain('lib/.cube/kept.txt');
    expect((await failure(project.plan('FROM oci-layout:layout:v1\nCOPY .cube /c\n'))).message).toContain('excluded by cube (its own output directory)');
  });

  it('follows a symlink named as a source, but not out of the context', async () => {
    await symlink('app/main.py', join(project.dir, 'entry.py'));
    const result = await project.plan('FROM oci-layout:layout:v1\nCOPY entry.py /e.py\n');
    const step = result.inputs.steps[0];
    expect(step?.kind === 'copy' && step.copy.sources[0]?.entries[0]?.type).toBe('file');
    await symlink('/etc', join(project.dir, 'etc-link'));
    expect((await failure(project.plan('FROM oci-layout:layout:v1\nCOPY etc-link /e\n'))).code).toBe('CUBE2005');
  });
});

describe('Cubefile.lock', () => {
  const file = 'FROM oci-layout:layout:v1\n';

  it('records the digest, pins it, fails --locked on a change, and --refresh moves it', async () => {
    const first = await project.plan(file, { lock: 'update' });
    const lock = JSON.parse(await readFile(join(project.dir, 'Cubefile.lock'), 'utf8'));
    expect(Object.values(lock.images)[0]).toMatchObject({ manifest: first.inputs.image.manifestDigest });
    expect((await project.plan(file, { lock: 'locked' })).inputs.image.manifestDigest).toBe(first.inputs.image.manifestDigest);
    // Retag v1 to v2's content: --locked notices, the default keeps the pinned digest, --refresh moves.
    const index = JSON.parse(await readFile(join(project.dir, 'layout/index.json'), 'utf8'));
    const [a, b] = index.manifests;
    index.manifests = [{ ...b, annotations: a.annotations }, { ...a, annotations: b.annotations }];
    await writeFile(join(project.dir, 'layout/index.json'), JSON.stringify(index));
    const mismatch = await failure(project.plan(file, { lock: 'locked' }));
    expect(mismatch.code).toBe('CUBE2006');
    expect(mismatch.hint).toContain('--refresh');
    expect((await project.plan(file, { lock: 'update' })).inputs.image.manifestDigest).toBe(first.inputs.image.manifestDigest);
    const refreshed = await project.plan(file, { lock: 'refresh' });
    expect(refreshed.inputs.image.manifestDigest).not.toBe(first.inputs.image.manifestDigest);
    expect((await project.plan(file, { lock: 'locked' })).inputs.image.manifestDigest).toBe(refreshed.inputs.image.manifestDigest);
  });

  it('by default never moves a pin whose digest the source no longer holds: it fails, and the hint says --refresh', async () => {
    const first = await project.plan(file, { lock: 'update' });
    const lockPath = join(project.dir, 'Cubefile.lock');
    const pinned = await readFile(lockPath, 'utf8');
    // Drop v1's manifest from the layout and point the tag v1 at v2's.
    const index = JSON.parse(await readFile(join(project.dir, 'layout/index.json'), 'utf8'));
    const v1 = index.manifests.findIndex((m: { digest: string }) => m.digest === first.inputs.image.manifestDigest);
    const v2 = index.manifests.find((m: { annotations: Record<string, string> }) => m.annotations['org.opencontainers.image.ref.name'] === 'v2');
    index.manifests[v1] = { ...v2, annotations: index.manifests[v1].annotations };
    await writeFile(join(project.dir, 'layout/index.json'), JSON.stringify(index));
    const stale = await failure(project.plan(file, { lock: 'update' }));
    expect(stale).toMatchObject({ code: 'CUBE3102', line: true });
    expect(stale.hint).toContain(`pins oci-layout:layout:v1 to ${first.inputs.image.manifestDigest}; run with --refresh`);
    expect(await readFile(lockPath, 'utf8')).toBe(pinned);
    expect((await project.plan(file, { lock: 'refresh' })).inputs.image.manifestDigest).toBe(v2.digest);
  });

  it('points an image source error at the FROM line', async () => {
    expect(await failure(project.plan('FROM oci-layout:layout:nope\n'))).toMatchObject({ code: 'CUBE3102', line: true });
  });

  it('--locked without an entry is an error', async () => {
    expect((await failure(project.plan(file, { lock: 'locked' }))).code).toBe('CUBE2007');
  });
});

describe('the platform', () => {
  const arm64 = { os: 'linux', architecture: 'arm64' };

  it('is picked from an index by --platform, FROM --platform overriding it, each pinned apart', async () => {
    const byFlag = await project.plan('FROM oci-layout:layout:multi\n', { platform: arm64, lock: 'update' });
    expect(byFlag.inputs.image.platform).toEqual(arm64);
    expect(byFlag.diagnostics).toEqual([]);
    const byFile = await project.plan('FROM --platform=linux/x86_64 oci-layout:layout:multi\n', { platform: arm64, lock: 'update' });
    expect(byFile.inputs.image.platform).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(byFile.inputs.image.manifestDigest).not.toBe(byFlag.inputs.image.manifestDigest);
    expect(byFile.plan.roots.seal).not.toBe(byFlag.plan.roots.seal);
    const lock = JSON.parse(await readFile(join(project.dir, 'Cubefile.lock'), 'utf8'));
    expect(Object.keys(lock.images).sort()).toEqual([`oci-layout:layout:multi linux/amd64`, `oci-layout:layout:multi linux/arm64`]);
    // The pinned arm64 entry is used again, not confused with the amd64 one.
    const again = await project.plan('FROM oci-layout:layout:multi\n', { platform: arm64, lock: 'locked' });
    expect(again.inputs.image.manifestDigest).toBe(byFlag.inputs.image.manifestDigest);
  });

  it('warns when an image is for another platform than the host and none was asked for', async () => {
    const result = await project.plan('FROM oci-layout:layout:other\n');
    expect(result.diagnostics.map((d) => [d.code, d.severity, d.span !== undefined])).toEqual([['CUBE2012', 'warning', true]]);
    expect(result.diagnostics[0]?.message).toMatch(/is built for linux\/ppc64le, not for this host's linux\//);
  });

  it('refuses an image for another platform than the one asked for, naming where it was asked', async () => {
    const byFlag = await failure(project.plan('FROM oci-layout:layout:other\n', { platform: arm64 }));
    expect(byFlag).toMatchObject({ code: 'CUBE2013', line: true });
    expect(byFlag.message).toMatch(/built for linux\/ppc64le, but --platform asks for linux\/arm64$/);
    const byFile = await failure(project.plan('FROM --platform=linux/arm64 oci-layout:layout:other\n'));
    expect(byFile.message).toMatch(/but FROM --platform asks for linux\/arm64$/);
    // A refused image is never recorded in the lockfile.
    await expect(readFile(join(project.dir, 'Cubefile.lock'), 'utf8')).rejects.toThrow();
  });
});
