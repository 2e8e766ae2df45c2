/**
 * The image checks of `cube check`, on small images made here: every problem at once with "did
 * you mean", the build file's own steps taken into account, and the image used only when it is
 * at hand (a local layout, or a registry image whose blobs are all in the cache).
 */
import { copyFile, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hostPlatform } from '../../src/core/platform.js';
import { checkDir } from '../helpers/check-dir.js';
import { exampleEnvd } from '../helpers/example-images.js';
import { buildTar } from '../helpers/layers.js';
import type { TestMember } from '../helpers/layers.js';
import { putImage, putIndex, tagged } from '../helpers/oci-layout.js';

const ACCOUNTS: TestMember[] = [
  { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n' },
  { name: 'etc/group', content: 'root:x:0:\napp:x:1000:\nnogroup:x:65534:\n' },
];
const SHELL: TestMember = { name: 'bin/sh', content: '#!sh', mode: 0o755 };
const PYTHON: TestMember = { name: 'bin/python3', content: '#!py', mode: 0o755 };

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cube-image-checks-'));
});

/** A project with a layout (tag `base`) of `members`, an envd file and a Cubefile. */
async function project(name: string, members: readonly TestMember[], cubefile: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  const image = await putImage(join(dir, 'layout'), [{ tar: await buildTar(members) }], { Env: ['PATH=/bin'] }, hostPlatform());
  await putIndex(join(dir, 'layout'), [{ ...image, ...tagged('base') }]);
  await copyFile(exampleEnvd, join(dir, 'envd'));
  await writeFile(join(dir, 'Cubefile'), cubefile);
  return dir;
}

const codes = (report: { diagnostics: readonly { code: string }[] }): string[] => report.diagnostics.map((d) => d.code);

describe('image checks', () => {
  it('reports every problem at once, in file order, each with a did-you-mean from the image', async () => {
    const big = { name: 'srv/data.bin', content: 'x'.repeat(3 * 1024 * 1024) };
    const dir = await project('all', [...ACCOUNTS, SHELL, PYTHON, big], [
      'FROM oci-layout:layout:base',
      'INJECT envd PATH envd',
      'COPY --chown=ap:app envd /srv/',
      'USER nobdy:nogrup',
      'CMD ["pyton3", "server.py"]',
      'ENTRYPOINT wrap',
      'SEAL ext4 SIZE 2MiB',
      '',
    ].join('\n'));
    const report = await checkDir(dir);
    expect(report.imageSkipped).toBeUndefined();
    expect(codes(report)).toEqual(['CUBE3212', 'CUBE3212', 'CUBE3211', 'CUBE3001']);
    expect(report.text).toContain('Cubefile:3:1: error CUBE3212: unknown user "ap"');
    expect(report.text).toContain('hint: did you mean "app"?');
    expect(report.text).toContain('hint: did you mean "nobody"?');
    expect(report.text).toContain('Cubefile:5:1: error CUBE3211: workload executable "pyton3"');
    expect(report.text).toContain('hint: did you mean "python3"?');
    expect(report.text).toContain('Cubefile:7:1: error CUBE3001: the files alone need at least 4194304 bytes (4 MiB), more than SEAL SIZE 2097152 bytes');
  });

  it('checks the group once the user is known', async () => {
    const dir = await project('group', [...ACCOUNTS, SHELL, PYTHON], 'FROM oci-layout:layout:base\nUSER app:nogrup\nCMD ["python3"]\n');
    const report = await checkDir(dir);
    expect(codes(report)).toEqual(['CUBE3213']);
    expect(report.text).toContain('did you mean "nogroup"?');
  });

  it('sees the command a COPY puts on the PATH, as the build does', async () => {
    const dir = await project('steps', [...ACCOUNTS, SHELL], 'FROM oci-layout:layout:base\nCOPY --chmod=755 run.sh /bin/run\nUSER app\nCMD ["run"]\n');
    await writeFile(join(dir, 'run.sh'), '#!/bin/sh\n');
    expect((await checkDir(dir)).text).toBe('');
    await writeFile(join(dir, 'Cubefile'), 'FROM oci-layout:layout:base\nCOPY --chmod=644 run.sh /bin/run\nCMD ["run"]\n');
    expect(codes(await checkDir(dir))).toEqual(['CUBE3211']);
  });

  it('needs /bin/sh for ENTRYPOINT wrap, and a WORKDIR that is not a file', async () => {
    const dir = await project('no-shell', [...ACCOUNTS, PYTHON, { name: 'srv', content: 'a file' }], 'FROM oci-layout:layout:base\nINJECT envd PATH envd\nWORKDIR /srv\nCMD ["python3"]\nENTRYPOINT wrap\n');
    const report = await checkDir(dir);
    expect(codes(report)).toEqual(['CUBE3222', 'CUBE3210']);
  });

  it('does not blame the command on the image when the COPY that brings it is missing', async () => {
    const dir = await project('missing-copy', [SHELL], 'FROM oci-layout:layout:base\nCOPY run.sh /bin/run\nCMD ["run"]\n');
    expect(codes(await checkDir(dir))).toEqual(['CUBE2004']);
  });

  it('uses a registry image only when Cubefile.lock pins it and the cache holds all of it, and keeps its facts', async () => {
    const dir = await project('registry', [], 'FROM registry.example/team/app:1.0\nUSER nobdy\nCMD ["python3"]\n');
    const cacheDir = await mkdtemp(join(tmpdir(), 'cube-image-checks-cache-'));
    expect((await checkDir(dir, { cacheDir })).imageSkipped).toBe('registry.example/team/app:1.0 is not in the cache (pass --pull to fetch it, or build once)');
    // The blob store has the layout of an OCI layout's blobs directory: write the image there.
    const image = await putImage(cacheDir, [{ tar: await buildTar([...ACCOUNTS, SHELL, PYTHON]) }], { Env: ['PATH=/bin'] }, hostPlatform());
    const lock = { version: 1, images: { 'registry.example/team/app:1.0 host': { manifest: image.digest, config: image.digest } } };
    await writeFile(join(dir, 'Cubefile.lock'), JSON.stringify(lock));
    const report = await checkDir(dir, { cacheDir });
    expect(report.imageSkipped).toBeUndefined();
    expect(codes(report)).toEqual(['CUBE3212']);
    expect(await readdir(join(cacheDir, 'image-facts'))).toEqual([`${image.digest.slice('sha256:'.length)}.json`]);
    expect(codes(await checkDir(dir, { cacheDir }))).toEqual(['CUBE3212']);
  });
});
