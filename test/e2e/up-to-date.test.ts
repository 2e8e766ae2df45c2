/**
 * A no-change rebuild answered from the build's stamp by the installed command, before the build
 * is loaded — and every way the answer must not be given: an input or output that moved, a new
 * file in a copied directory, another environment, options that ask for work, a build that warned.
 */
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTLED_MS } from '../../src/core/stamp.js';
import { bundleCli } from '../helpers/cli-process.js';
import { exampleEnvd, exampleLayout } from '../helpers/example-images.js';

let work: string;
let bin: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cube-up-to-date-'));
  bin = await bundleCli(work);
}, 120_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const CUBEFILE = (path: string) => `FROM oci-layout:${exampleLayout}:python
INJECT envd TO /opt/envd/bin/envd
ENV PATH=${path}
COPY app.py /app/
COPY static /app/static
CMD ["/bin/sh", "/app/app.py"]
ENTRYPOINT wrap
SEAL ext4 FREE 8MiB
`;

/** A project whose files have settled (older than a stamp needs), built once so its lockfile exists and has settled too. */
async function project(name: string, path = '/opt/envd/bin:/usr/local/bin:/usr/bin:/bin'): Promise<string> {
  const dir = join(work, name);
  await mkdir(join(dir, 'static'), { recursive: true });
  await writeFile(join(dir, 'Cubefile'), CUBEFILE(path));
  await writeFile(join(dir, 'app.py'), 'echo hello\n');
  await writeFile(join(dir, 'static', 'index.html'), '<p>hello</p>\n');
  await writeFile(latin1Name(dir), 'latin-1\n');
  await cp(exampleEnvd, join(dir, 'envd'));
  expect((await cube(dir)).exitCode).toBe(0);
  await sleep(SETTLED_MS + 100);
  return dir;
}

/** A COPY source whose name is not UTF-8: `static/caf\xe9`. */
function latin1Name(dir: string): Buffer {
  return Buffer.concat([Buffer.from(join(dir, 'static', 'caf')), Buffer.from([0xe9])]);
}

function cube(dir: string, extra: readonly string[] = [], env: Record<string, string> = {}) {
  return execa('node', [bin, 'build', '--envd-path', 'envd', '--out', 'out', '--cache-dir', join(work, 'cache'), ...extra], {
    cwd: dir,
    reject: false,
    env: { SOURCE_DATE_EPOCH: '1700000000', ...env },
  });
}

/** Whether a run was answered from the stamp (the build itself logs its steps; the answer does not). */
const answered = (run: { stderr: string }): boolean => run.stderr.includes('up to date:') && !run.stderr.includes('checked');

describe('a no-change cube build', () => {
  it('is answered from its stamp, with the digest the build printed', async () => {
    const dir = await project('same');
    const built = await cube(dir, ['-q']);
    expect(built.exitCode, built.stderr).toBe(0);
    expect(answered(built)).toBe(false);
    const again = await cube(dir, ['-q']);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toBe(built.stdout);
    expect(again.stdout).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Another command line is another stamp: its first run builds.
    expect(answered(await cube(dir))).toBe(false);
    const human = await cube(dir);
    expect(answered(human), human.stderr).toBe(true);
    await cube(dir, ['--log-format', 'json']);
    const json = await cube(dir, ['--log-format', 'json']);
    const record = JSON.parse(json.stderr.trim()) as Record<string, unknown>;
    expect(record).toMatchObject({ event: 'result', upToDate: true, 'cube.artifact.digest': built.stdout });
  }, 120_000);

  it('runs again when an input, a listed directory or an output moved, or the environment changed', async () => {
    const dir = await project('moved');
    await cube(dir);
    expect(answered(await cube(dir))).toBe(true);
    const changes: [string, () => Promise<void>, Record<string, string>?][] = [
      ['a COPY source', () => appendFile(join(dir, 'app.py'), 'echo again\n')],
      ['a new file in a copied directory', () => writeFile(join(dir, 'static', 'new.css'), 'p {}\n')],
      ['a COPY source whose name is not UTF-8', () => appendFile(latin1Name(dir), 'more\n')],
      ['envd', () => appendFile(join(dir, 'envd'), 'x')],
      ['the output image', () => rm(join(dir, 'out', 'rootfs.ext4'))],
      ['the origins beside it', () => rm(join(dir, 'out', 'origins.json'))],
      ['the build file', async () => writeFile(join(dir, 'Cubefile'), `${await readFile(join(dir, 'Cubefile'), 'utf8')}LABEL a=b\n`)],
      ['SOURCE_DATE_EPOCH', async () => undefined, { SOURCE_DATE_EPOCH: '1700000001' }],
    ];
    for (const [what, change, env] of changes) {
      await change();
      const run = await cube(dir, [], env);
      expect(run.exitCode, `${what}: ${run.stderr}`).toBe(0);
      expect(answered(run), what).toBe(false);
      // Settled again, the next build stamps and the one after it is answered.
      await sleep(SETTLED_MS + 100);
      await cube(dir, [], env);
      expect(answered(await cube(dir, [], env)), `after ${what}`).toBe(true);
    }
    expect(await readFile(join(dir, 'out', 'rootfs.ext4'))).toBeDefined();
  }, 300_000);

  it('always runs with --no-cache or --explain, and is never answered after a build that warned', async () => {
    const dir = await project('asked');
    await cube(dir);
    expect(answered(await cube(dir, ['--explain']))).toBe(false);
    expect(answered(await cube(dir, ['--no-cache']))).toBe(false);
    const warned = await project('warned', '/usr/local/bin:/usr/bin:/bin');
    const first = await cube(warned);
    expect(first.stderr).toContain('CUBE2021');
    const second = await cube(warned);
    expect(answered(second)).toBe(false);
    expect(second.stderr).toContain('CUBE2021');
  }, 120_000);
});
