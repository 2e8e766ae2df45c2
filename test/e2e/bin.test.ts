/**
 * The command as installed: `bin/cube.js` runs the single-module build of the sources
 * (scripts/bundle.js), made afresh here into a temporary package so it is this tree's code and the
 * checkout's own dist/ is left alone. Checks what a bundle can get
 * wrong that the in-process tests cannot see: the version, YAML and the Cubefile grammar, the
 * pax decoder cube patches inside tar-stream, a whole build, and a user error's output.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchManifestSchema } from '../../src/executor/launch/index.js';
import { bundleCli } from '../helpers/cli-process.js';
import { copyExample, exampleEnvd, repoRoot } from '../helpers/example-images.js';
import { expectClean, readBack } from '../helpers/ext4.js';
import { putImage, putIndex, tagged } from '../helpers/oci-layout.js';
import { paxRecord, tarWithPax } from '../helpers/raw-tar.js';

let work: string;
let bin: string;
const version = (JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cube-bin-'));
  bin = await bundleCli(work);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function cube(args: readonly string[], cwd = repoRoot) {
  return execa('node', [bin, ...args], { cwd, reject: false, env: { CUBE_CACHE_DIR: join(work, 'cache') } });
}

describe('bin/cube.js', () => {
  it('prints its version and checks a Cubefile and a cube.yaml', async () => {
    expect((await cube(['--version'])).stdout).toBe(`cube ${version}`);
    const yaml = await cube(['check', '-f', 'examples/python-web/cube.yaml', '--envd-path', exampleEnvd]);
    expect(yaml.exitCode, yaml.stderr).toBe(0);
    const cubefile = await cube(['check', 'examples/node-app', '--envd-path', exampleEnvd]);
    expect(cubefile.exitCode, cubefile.stderr).toBe(0);
  });

  it('builds an example: a clean image and a valid launch manifest naming this version', async () => {
    const out = join(work, 'byo');
    const run = await cube(['build', await copyExample('byo-envd', work), '--out', out], work);
    expect(run.exitCode, run.stderr).toBe(0);
    await expectClean(join(out, 'rootfs.ext4'));
    const manifest = launchManifestSchema.parse(JSON.parse(await readFile(join(out, 'launch.json'), 'utf8')));
    expect(manifest.cubeVersion).toBe(version);
  });

  it('runs two builds of one template at once on one cache: both succeed, same image, no leftovers', async () => {
    const cacheDir = join(work, 'shared-cache');
    const nodeApp = await copyExample('node-app', work);
    const run = (out: string) =>
      execa('node', [bin, 'build', nodeApp, '--envd-path', exampleEnvd, '--out', join(work, out)], {
        cwd: work,
        reject: false,
        env: { CUBE_CACHE_DIR: cacheDir },
      });
    const [a, b] = await Promise.all([run('twin-a'), run('twin-b')]);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(b.exitCode, b.stderr).toBe(0);
    const [x, y] = await Promise.all([readFile(join(work, 'twin-a', 'rootfs.ext4')), readFile(join(work, 'twin-b', 'rootfs.ext4'))]);
    expect(x.equals(y)).toBe(true);
    await expectClean(join(work, 'twin-a', 'rootfs.ext4'));
    const leftovers = [];
    for (const dir of ['layers/sha256', 'artifacts']) leftovers.push(...(await readdir(join(cacheDir, dir))).filter((n) => n.startsWith('.')));
    for (const out of ['twin-a', 'twin-b']) leftovers.push(...(await readdir(join(work, out))).filter((n) => n.startsWith('.')));
    expect(leftovers).toEqual([]);
  });

  it('keeps a binary security.capability from a pax record byte for byte', async () => {
    const capability = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x80, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const dir = join(work, 'xattr');
    await mkdir(dir, { recursive: true });
    const image = await putImage(join(dir, 'layout'), [{ tar: tarWithPax('usr/bin/tool', Buffer.from('ELF'), [paxRecord('SCHILY.xattr.security.capability', capability)], 0o755) }]);
    await putIndex(join(dir, 'layout'), [{ ...image, ...tagged('v1') }]);
    await writeFile(join(dir, 'Cubefile'), 'FROM --platform=linux/amd64 oci-layout:layout:v1\nCMD ["/usr/bin/tool"]\nSEAL ext4\n');
    const run = await cube(['build', '--out', join(dir, 'out')], dir);
    expect(run.exitCode, run.stderr).toBe(0);
    await expectClean(join(dir, 'out', 'rootfs.ext4'));
    const back = await readBack(join(dir, 'out', 'rootfs.ext4'), ['/usr/bin/tool']);
    const hex = [...capability].map((b) => b.toString(16).padStart(2, '0')).join(' ') + ' ';
    expect(back.get('/usr/bin/tool')?.xattrs['security.capability']).toBe(hex);
  });

  it('reports a user error with its location and exit code, without a stack trace', async () => {
    const run = await cube(['build', await copyExample('python-web', work), '--envd-path', join(work, 'no-envd'), '--out', join(work, 'none')], work);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('CUBE2001');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(exampleEnvd).not.toBe(join(work, 'no-envd'));
  });
});
