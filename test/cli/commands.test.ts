/** The commands from the outside: exit codes, output streams, no stack traces, discovery. */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostPlatform } from '../../src/core/platform.js';
import { copyExample, exampleEnvd, repoRoot } from '../helpers/example-images.js';
import { runCli } from '../helpers/run-cli.js';

let dir: string;
let pythonWeb: string;
let byoEnvd: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cube-cli-'));
  pythonWeb = await copyExample('python-web', dir);
  byoEnvd = await copyExample('byo-envd', dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const noStack = (text: string): void => expect(text).not.toMatch(/\n\s+at /);

describe('cube check', () => {
  it('finds ./Cubefile, else ./cube.yaml, and says when there is neither', async () => {
    const empty = await mkdtemp(join(dir, 'empty-'));
    const none = await runCli(['check'], { cwd: empty });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('CUBE0002');
    await writeFile(join(empty, 'cube.yaml'), 'from: alpine\n');
    expect((await runCli(['check'], { cwd: empty })).stdout).toBe('cube.yaml: ok\n');
    await writeFile(join(empty, 'Cubefile'), 'FROM alpine\n');
    expect((await runCli(['check'], { cwd: empty })).stdout).toBe('Cubefile: ok\n');
  });

  it('takes a directory (or the file itself) as docker build does, but not together with -f', async () => {
    const project = await mkdtemp(join(dir, 'positional-'));
    await writeFile(join(project, 'cube.yaml'), 'from: alpine\n');
    const name = project.slice(dir.length + 1);
    expect((await runCli(['check', name], { cwd: dir })).stdout).toBe(`${name}/cube.yaml: ok\n`);
    expect((await runCli(['check', `${name}/cube.yaml`], { cwd: dir })).stdout).toBe(`${name}/cube.yaml: ok\n`);
    const missing = await runCli(['check', 'no-such-dir'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no Cubefile or cube.yaml in ${join(dir, 'no-such-dir')}`);
    const both = await runCli(['plan', name, '-f', 'Cubefile'], { cwd: dir });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain(`give either -f Cubefile or the directory ${name}, not both`);
    const two = await runCli(['build', name, name], { cwd: dir });
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('unexpected argument');
  });

  it('prints every error with its location, and JSON for editors', async () => {
    await writeFile(join(dir, 'Bad'), 'FROM alpine\nEXPOSE 0\nFORM x\n');
    const human = await runCli(['check', '-f', 'Bad'], { cwd: dir });
    expect(human.code).toBe(1);
    expect(human.stderr).toContain('Bad:2:8: error CUBE1010');
    expect(human.stderr).toContain('Bad:3:1: error CUBE1001');
    noStack(human.stderr);
    const json = await runCli(['check', '-f', 'Bad', '--format', 'json'], { cwd: dir });
    const parsed = JSON.parse(json.stdout);
    expect(parsed.ok).toBe(false);
    expect(parsed.diagnostics.map((d: { code: string; line: number }) => [d.code, d.line])).toEqual([['CUBE1205', 1], ['CUBE1010', 2], ['CUBE1001', 3]]);
  });

  it('reports an envd named for a build file that injects none, as build would', async () => {
    const project = await mkdtemp(join(dir, 'stray-envd-'));
    await writeFile(join(project, 'Cubefile'), 'FROM alpine:3.20\nCMD ["sh"]\n');
    const run = await runCli(['check', '--envd-path', join(project, 'envd')], { cwd: project });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error CUBE2020: --envd-path names an envd binary, but Cubefile has no INJECT envd');
  });

  it('rejects unknown options with the usage exit code', async () => {
    const run = await runCli(['check', '--frmat', 'json'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('CUBE0001');
    noStack(run.stderr);
  });
});

describe('cube convert', () => {
  it('converts a Cubefile to YAML on stdout and back to a file', async () => {
    const toYaml = await runCli(['convert', '-f', join(repoRoot, 'examples', 'byo-envd', 'Cubefile')], { cwd: dir });
    expect(toYaml.code).toBe(0);
    expect(toYaml.stdout).toContain('from: oci-layout:../images/oci:base');
    await writeFile(join(dir, 'converted.yaml'), toYaml.stdout);
    const back = await runCli(['convert', '-f', 'converted.yaml', '-o', 'Converted'], { cwd: dir });
    expect(back.code).toBe(0);
    expect(await readFile(join(dir, 'Converted'), 'utf8')).toContain('INJECT envd PATH ../images/envd TO /opt/envd/bin/envd PORT 49999');
  });
});

describe('cube convert -o', () => {
  it('refuses to write over its input, a directory or a device, and says why a write failed', async () => {
    const project = await mkdtemp(join(dir, 'convert-'));
    await writeFile(join(project, 'Cubefile'), 'FROM alpine:3.20\nCMD ["sh"]\n');
    const self = await runCli(['convert', '-o', 'Cubefile'], { cwd: project });
    expect([self.code, self.stderr]).toEqual([2, expect.stringContaining('is the input file')]);
    expect(await readFile(join(project, 'Cubefile'), 'utf8')).toBe('FROM alpine:3.20\nCMD ["sh"]\n');
    const directory = await runCli(['convert', '-o', '.'], { cwd: project });
    expect([directory.code, directory.stderr]).toEqual([2, expect.stringContaining('is not a regular file')]);
    const device = await runCli(['convert', '-o', '/dev/null'], { cwd: project });
    expect([device.code, device.stderr]).toEqual([2, expect.stringContaining('/dev/null is not a regular file')]);
    const missingDir = await runCli(['convert', '-o', 'Cubefile/cube.yaml'], { cwd: project });
    expect([missingDir.code, missingDir.stderr]).toEqual([3, expect.stringContaining('CUBE0004')]);
    noStack(missingDir.stderr);
    expect((await runCli(['convert', '-o', 'cube.yaml'], { cwd: project })).code).toBe(0);
    expect(await readFile(join(project, 'cube.yaml'), 'utf8')).toContain('from: alpine:3.20');
  });
});

describe('cube plan and cube build', () => {
  it('prints the plan tree, and JSON with --json', async () => {
    const file = join(pythonWeb, 'Cubefile');
    const cache = join(dir, 'cache');
    const tree = await runCli(['plan', 'python-web', '--envd-path', exampleEnvd, '--cache-dir', cache], { cwd: dirname(pythonWeb) });
    expect(tree.code, tree.stderr).toBe(0);
    expect(tree.stdout).toMatch(/^manifest [0-9a-f]{12}/);
    expect(tree.stdout).toContain('from --envd-path');
    const json = await runCli(['plan', '-f', file, '--envd-path', exampleEnvd, '--cache-dir', cache, '--json'], { cwd: dir });
    expect(JSON.parse(json.stdout).version).toBe(1);
  });

  it('--platform: a malformed value is a usage error; an image for another platform is refused at the FROM line', async () => {
    const common = ['-f', join(pythonWeb, 'Cubefile'), '--envd-path', exampleEnvd, '--cache-dir', join(dir, 'cache')];
    const malformed = await runCli(['plan', ...common, '--platform', 'amd64'], { cwd: dir });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--platform "amd64" is not os/arch[/variant]');
    const other = hostPlatform().architecture === 's390x' ? 'linux/riscv64' : 'linux/s390x';
    const refused = await runCli(['build', ...common, '--platform', other, '--out', join(dir, 'out-platform')], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`Cubefile:\\d+:\\d+: error CUBE2013: .* is built for linux/${hostPlatform().architecture}, but --platform asks for ${other}`));
    noStack(refused.stderr);
    await expect(readFile(join(dir, 'out-platform', 'rootfs.ext4'))).rejects.toThrow();
  });

  it('SOURCE_DATE_EPOCH: a number of seconds goes into the seal node; anything else is an error, not 0', async () => {
    const common = ['plan', byoEnvd, '--json', '--cache-dir', join(dir, 'cache')];
    const sealEpoch = (out: string): unknown => (JSON.parse(out) as { nodes: { kind: string; params: { epoch?: number } }[] }).nodes.find((n) => n.kind === 'seal')?.params.epoch;
    expect(sealEpoch((await runCli(common, { cwd: dir, env: { SOURCE_DATE_EPOCH: '1700000000' } })).stdout)).toBe(1700000000);
    expect(sealEpoch((await runCli(common, { cwd: dir, env: { SOURCE_DATE_EPOCH: '' } })).stdout)).toBe(0);
    const bad = await runCli(common, { cwd: dir, env: { SOURCE_DATE_EPOCH: '2024-01-01' } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('CUBE0005');
    noStack(bad.stderr);
    // A time ext4 would wrap, or e2fsck take for a pre-1970 one, is refused too.
    const late = await runCli(common, { cwd: dir, env: { SOURCE_DATE_EPOCH: '10737418240' } });
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('CUBE0005: SOURCE_DATE_EPOCH is "10737418240", not a number of seconds from 0 to 10737418239');
  });

  it('creates a private cache root (0700), as Docker and containerd do', async () => {
    const cache = join(dir, 'private-cache');
    const run = await runCli(['plan', byoEnvd, '--cache-dir', cache], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect((await stat(cache)).mode & 0o777).toBe(0o700);
  });

  it('a missing envd fails before anything is built, naming where the path came from', async () => {
    const out = join(dir, 'out-missing-envd');
    const run = await runCli(['build', '-f', join(pythonWeb, 'Cubefile'), '--envd-path', join(dir, 'no-envd'), '--cache-dir', join(dir, 'cache'), '--out', out], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('CUBE2001');
    expect(run.stderr).toContain('from --envd-path');
    noStack(run.stderr);
    await expect(readFile(join(out, 'rootfs.ext4'))).rejects.toThrow();
  });
});
