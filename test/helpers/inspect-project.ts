/**
 * A build project whose image content is known to the byte, for the tests of origins.json and
 * `cube inspect`: two layers (the second replaces a file of the first and adds a hard link),
 * envd, a COPY of a directory, a WORKDIR, and a COPY into a directory that does not exist yet.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { elfWith } from './elf.js';
import { expectClean } from './ext4.js';
import { buildTar } from './layers.js';
import { putImage, putIndex, tagged } from './oci-layout.js';
import { runCli } from './run-cli.js';
import type { CliRun } from './run-cli.js';

/** File sizes in the image, by path. */
export const SIZES = {
  '/usr/lib/libbig.so': 300_000,
  '/usr/share/doc/readme': 5_000,
  '/opt/tool/bin/tool': 50_000,
  '/srv/app/main.py': 1_000,
  '/srv/app/static/big.js': 120_000,
  '/data/data.bin': 80_000,
} as const;

/** The build file; its lines are what origins name. */
export const CUBEFILE = `FROM --platform=linux/amd64 oci-layout:layout:v1
INJECT envd PATH envd
COPY app/ /srv/app/
WORKDIR /srv/app
COPY data.bin /data/
CMD ["/bin/sh"]
ENTRYPOINT wrap
SEAL ext4 FREE 4MiB
`;

/** A project made by {@link makeInspectProject}. */
export interface InspectProject {
  readonly dir: string;
  readonly out: string;
  readonly cacheDir: string;
  /** `cube build` of the project into `out`. */
  build(extra?: readonly string[]): Promise<CliRun>;
  /** `cube inspect` in the project's directory, with its cache. */
  inspect(...args: readonly string[]): Promise<CliRun>;
}

/** Makes the project in a new temporary directory (the caller removes `dir`). */
export async function makeInspectProject(): Promise<InspectProject> {
  const dir = await mkdtemp(join(tmpdir(), 'cube-inspect-'));
  const base = await buildTar([
    { name: 'bin/sh', content: '#!', mode: 0o755 },
    { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
    { name: 'etc/group', content: 'root:x:0:\n' },
    { name: 'usr/lib/libbig.so', content: Buffer.alloc(200_000, 1) },
    { name: 'usr/share/doc/readme', content: Buffer.alloc(SIZES['/usr/share/doc/readme'], 2) },
  ]);
  const update = await buildTar([
    { name: 'usr/lib/libbig.so', content: Buffer.alloc(SIZES['/usr/lib/libbig.so'], 3) },
    { name: 'opt/tool/bin/tool', content: Buffer.alloc(SIZES['/opt/tool/bin/tool'], 4), mode: 0o755 },
    { name: 'opt/tool/bin/tool-link', type: 'link', linkname: 'opt/tool/bin/tool' },
  ]);
  const image = await putImage(join(dir, 'layout'), [{ tar: base }, { tar: update }], { Env: ['PATH=/usr/local/bin:/bin'] });
  await putIndex(join(dir, 'layout'), [{ ...image, ...tagged('v1') }]);
  await writeFile(join(dir, 'envd'), elfWith('envd'), { mode: 0o755 });
  await mkdir(join(dir, 'app', 'static'), { recursive: true });
  await writeFile(join(dir, 'app', 'main.py'), Buffer.alloc(SIZES['/srv/app/main.py'], 0x23));
  await writeFile(join(dir, 'app', 'static', 'big.js'), Buffer.alloc(SIZES['/srv/app/static/big.js'], 0x2f));
  await writeFile(join(dir, 'data.bin'), Buffer.alloc(SIZES['/data/data.bin'], 5));
  await writeFile(join(dir, 'Cubefile'), CUBEFILE);
  const out = join(dir, 'out');
  const cacheDir = join(dir, 'cache');
  return {
    dir,
    out,
    cacheDir,
    build: (extra = []) => runCli(['build', '--cache-dir', cacheDir, '--out', out, ...extra], { cwd: dir, env: { SOURCE_DATE_EPOCH: '1700000000' } }),
    inspect: (...args) => runCli(['inspect', '--cache-dir', cacheDir, ...args], { cwd: dir }),
  };
}

/**
 * A project for one test file: made (and, with `built`, built into `out`, its image checked by
 * e2fsck) before its tests, removed after them. Call at the top level of the file.
 */
export function useInspectProject(options: { readonly built: boolean }): () => InspectProject {
  let project: InspectProject | undefined;
  beforeAll(async () => {
    project = await makeInspectProject();
    if (!options.built) return;
    const run = await project.build();
    expect(run.code, run.stderr).toBe(0);
    await expectClean(join(project.out, 'rootfs.ext4'));
  }, 120_000);
  afterAll(async () => {
    if (project) await rm(project.dir, { recursive: true, force: true });
  });
  return () => {
    if (!project) throw new Error('the project exists only while the tests run');
    return project;
  };
}
