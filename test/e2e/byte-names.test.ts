/**
 * COPY sources whose names are not UTF-8: a directory listing of the build context keeps every
 * byte, so `cube build` puts each file into the image under its exact name (debugfs read-back),
 * two names that differ only in such bytes stay two files, and a symlink keeps its target's bytes.
 * The plan, hashed as valid Unicode, tells such a name from the valid name its escape spells.
 */
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameFromBytes } from '../../src/core/names.js';
import { expectClean, listTree, symlinkTarget } from '../helpers/ext4.js';
import { makeProject } from '../helpers/plan-project.js';
import type { Project } from '../helpers/plan-project.js';
import { runCli } from '../helpers/run-cli.js';

let project: Project;
const b = (...parts: (string | number[])[]): Buffer => Buffer.concat(parts.map((p) => Buffer.from(p as string)));
const hostPath = (...parts: (string | number[])[]): Buffer => Buffer.concat([Buffer.from(`${project.dir}/`), b(...parts)]);

beforeAll(async () => {
  project = await makeProject();
  await mkdir(hostPath('files'));
  await writeFile(hostPath('files/caf', [0xe9]), 'latin-1');
  await writeFile(hostPath('files/n', [0xff]), 'ff');
  await writeFile(hostPath('files/n', [0xfe]), 'fe');
  await mkdir(hostPath('files/d', [0x80]));
  await writeFile(hostPath('files/d', [0x80], '/inner'), 'inner');
  await symlink(b('caf', [0xe9]), hostPath('files/link'));
  await writeFile(hostPath('single', [0xe9]), 'single');
});
afterAll(async () => {
  await rm(project.dir, { recursive: true, force: true });
});

describe('COPY sources whose names are not UTF-8', () => {
  it('reach the image byte for byte', async () => {
    await writeFile(join(project.dir, 'Cubefile'), 'FROM oci-layout:layout:v1\nCOPY files/ /srv/\nCOPY single* /one/\nCMD ["/bin/sh"]\n');
    const out = join(project.dir, 'out');
    const run = await runCli(['build', '--cache-dir', project.cacheDir, '--out', out], { cwd: project.dir });
    expect(run.code, run.stderr).toBe(0);
    const image = join(out, 'rootfs.ext4');
    await expectClean(image);
    const listed = await listTree(image);
    const path = (...parts: (string | number[])[]): string => nameFromBytes(b(...parts));
    for (const p of [path('/srv/caf', [0xe9]), path('/srv/n', [0xff]), path('/srv/n', [0xfe]), path('/srv/d', [0x80], '/inner'), '/srv/link', path('/one/single', [0xe9])]) {
      expect(listed.has(p), p).toBe(true);
    }
    expect(await symlinkTarget(image, listed.get('/srv/link')?.ino as number)).toEqual(b('caf', [0xe9]));
  });
});

describe('the plan of a COPY source whose name is not UTF-8', () => {
  it('differs from the plan of a source named by its escape', async () => {
    const text = 'FROM oci-layout:layout:v1\nCOPY alone* /one/\nCMD ["/bin/sh"]\n';
    await writeFile(hostPath('alone', [0xe9]), 'same');
    const raw = await project.plan(text);
    await rename(hostPath('alone', [0xe9]), hostPath('alone\\xe9'));
    const spelled = await project.plan(text);
    expect(raw.plan.roots.seal).not.toBe(spelled.plan.roots.seal);
    expect(JSON.stringify(raw.plan)).toContain('"name":"alone\\\\xe9","nameHex":"616c6f6e65e9"');
  });
});

describe('generated build contexts', () => {
  /** A name of arbitrary bytes a Linux directory can hold (no `/`, no NUL, not `.` or `..`). */
  const name = fc
    .uint8Array({ minLength: 1, maxLength: 10 })
    .map((b) => Buffer.from(b.map((x) => (x === 0x2f || x === 0 ? 0x5f : x))))
    .filter((b) => !b.equals(Buffer.from('.')) && !b.equals(Buffer.from('..')));

  it('put every name of the context into the image byte for byte', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(name, { minLength: 1, maxLength: 6, comparator: (a, b) => a.equals(b) }), fc.uniqueArray(name, { maxLength: 4, comparator: (a, b) => a.equals(b) }), async (files, inner) => {
        const context = `ctx${run++}`;
        await mkdir(hostPath(context, '/tree/sub'), { recursive: true });
        for (const f of files) await writeFile(Buffer.concat([hostPath(context, '/tree/'), f]), f);
        for (const f of inner) await writeFile(Buffer.concat([hostPath(context, '/tree/sub/'), f]), 'inner');
        await writeFile(join(project.dir, context, 'Cubefile'), 'FROM oci-layout:../layout:v1\nCOPY tree/ /srv/\nCMD ["/bin/sh"]\n');
        const out = join(project.dir, context, 'out');
        const built = await runCli(['build', '--cache-dir', project.cacheDir, '--out', out], { cwd: join(project.dir, context) });
        expect(built.code, built.stderr).toBe(0);
        await expectClean(join(out, 'rootfs.ext4'));
        const listed = [...(await listTree(join(out, 'rootfs.ext4'))).keys()].filter((p) => p.startsWith('/srv/'));
        const expected = [...files.map((f) => `/srv/${nameFromBytes(f)}`), '/srv/sub', ...inner.map((f) => `/srv/sub/${nameFromBytes(f)}`)];
        expect(listed.sort()).toEqual([...new Set(expected)].sort());
      }),
      { seed: 18, numRuns: 12 },
    );
  }, 120_000);
});
