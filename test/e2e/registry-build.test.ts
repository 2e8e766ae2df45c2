/** `cube build` FROM an image in a real registry: pulled, verified, sealed, and reused offline. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleEnvd, exampleLayout } from '../helpers/example-images.js';
import { pushLayout, startRegistry } from '../helpers/registry.js';
import type { Registry } from '../helpers/registry.js';
import { runCli } from '../helpers/run-cli.js';

let registry: Registry;
let work: string;
beforeAll(async () => {
  registry = await startRegistry();
  await pushLayout(registry.host, 'examples/base', 'base', exampleLayout);
  work = await mkdtemp(join(tmpdir(), 'cube-registry-build-'));
}, 120_000);
afterAll(async () => {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
});

describe('cube build from a registry', () => {
  it('pulls, seals a clean image, records the digest in Cubefile.lock, and a missing tag is an input error', async () => {
    await writeFile(join(work, 'Cubefile'), `FROM ${registry.host}/examples/base:base\nINJECT envd\nCMD ["sleep", "1"]\nENTRYPOINT wrap\n`);
    const cache = join(work, 'cache');
    const run = await runCli(['build', '--envd-path', exampleEnvd, '--cache-dir', cache, '--out', 'out', '--log-format', 'json'], { cwd: work });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`resolved ${registry.host}/examples/base`);
    const fsck = await execa('e2fsck', ['-fn', join(work, 'out', 'rootfs.ext4')], { reject: false });
    expect(fsck.exitCode, fsck.stdout).toBe(0);
    const locked = await runCli(['build', '--envd-path', exampleEnvd, '--cache-dir', cache, '--out', 'out', '--locked'], { cwd: work });
    expect(locked.code, locked.stderr).toBe(0);
    await writeFile(join(work, 'Missing'), `FROM ${registry.host}/examples/base:nope\n`);
    const missing = await runCli(['build', '-f', 'Missing', '--cache-dir', cache], { cwd: work });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('CUBE3112');
  }, 120_000);
});
