/**
 * The package as published: what `npm pack` ships, the typed library entries compiled with tsc
 * against the installed tarball (the example of docs/api.md, run for real), and the command's
 * `--help` and `--version` answered without the command's bundle.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyExample, repoRoot } from '../helpers/example-images.js';
import { installTarball, packPackage } from '../helpers/packed-package.js';

const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string; engines: { node: string } };
let work: string;
let packed: Awaited<ReturnType<typeof packPackage>>;
let consumer: string;
let installed: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'cube-package-'));
  packed = await packPackage(work);
  consumer = join(work, 'consumer');
  await mkdir(consumer);
  installed = await installTarball(packed.tarball, consumer, pkg.name);
}, 300_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The TypeScript block of docs/api.md's example. */
async function apiExample(): Promise<string> {
  const doc = await readFile(join(repoRoot, 'docs', 'api.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('docs/api.md has no ts example');
  return block;
}

describe('the package', () => {
  it('ships the command, the library entries and their types, and nothing that does not run', () => {
    expect(packed.files).toContain('bin/cube.js');
    expect(packed.files).toContain('dist/cli/bundle.js');
    expect(packed.files).toContain('dist/cli/help.js');
    expect(packed.files).toContain('dist/cli/up-to-date.js');
    for (const entry of ['parser', 'planner', 'build']) {
      expect(packed.files).toContain(`dist/lib/${entry}.js`);
      expect(packed.files).toContain(`dist/types/lib/${entry}.d.ts`);
    }
    expect(packed.files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(packed.files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
    // The per-module build is for development: the package has bundles only.
    expect(packed.files.filter((f) => f.startsWith('dist/') && f.endsWith('.js') && !/^dist\/(cli\/(bundle|help|up-to-date)|lib\/[\w-]+)\.js$/.test(f))).toEqual([]);
    expect(packed.files.filter((f) => f.startsWith('dist/types/cli/') || f.startsWith('dist/types/runner/'))).toEqual([]);
  });

  it('compiles the docs/api.md example with tsc against the installed tarball, and runs it', async () => {
    await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await writeFile(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: ['node'], outDir: 'out', skipLibCheck: false }, files: ['example.ts'] }),
    );
    await writeFile(join(consumer, 'example.ts'), await apiExample());
    const tsc = await execa('node', [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', consumer], { reject: false });
    expect(tsc.exitCode, tsc.stdout).toBe(0);
    const project = await copyExample('byo-envd', work);
    const run = await execa('node', [join(consumer, 'out', 'example.js'), project], { reject: false, env: { SOURCE_DATE_EPOCH: '0' } });
    expect(run.exitCode, run.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(project, 'out', 'launch.json'), 'utf8')) as { artifact: { sha256: string }; cubeVersion: string };
    expect(run.stdout).toMatch(/^manifest [0-9a-f]{12} {2}launch\.json$/m);
    expect(run.stdout.trim().split('\n').at(-1)).toBe(`sealed ${manifest.artifact.sha256}`);
    expect(manifest.cubeVersion).toBe(pkg.version);
  });

  it('answers --help and --version without the command bundle', async () => {
    await rm(join(installed, 'dist', 'cli', 'bundle.js'));
    const cube = (args: string[]) => execa('node', [join(installed, 'bin', 'cube.js'), ...args], { reject: false });
    expect((await cube(['--version'])).stdout).toBe(`cube ${pkg.version}`);
    const help = await cube(['--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('Usage: cube <command>');
    expect((await cube([])).exitCode).toBe(2);
    // Anything else needs the bundle, which is gone here.
    expect((await cube(['check'])).stderr).toContain('bundle.js');
  });
});
