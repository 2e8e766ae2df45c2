/** An image whose /var/log is a file cannot hold envd's log: the build says so before sealing. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTar } from '../../helpers/layers.js';
import { putImage, putIndex, tagged } from '../../helpers/oci-layout.js';
import { elfWith } from '../../helpers/elf.js';
import { runCli } from '../../helpers/run-cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cube-envd-log-'));
  const layout = join(dir, 'layout');
  const image = await putImage(layout, [{ tar: await buildTar([{ name: 'bin/sh', content: '#!', mode: 0o755 }, { name: 'var/log', content: 'not a directory' }]) }]);
  await putIndex(layout, [{ ...image, ...tagged('v1') }]);
  await writeFile(join(dir, 'envd'), elfWith('envd'), { mode: 0o755 });
  await writeFile(join(dir, 'Cubefile'), 'FROM oci-layout:layout:v1\nINJECT envd PATH envd\nCMD ["/bin/sh"]\nENTRYPOINT wrap\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('envd log directory', () => {
  it('is reported, naming the log path, when the image has a file at /var/log', async () => {
    const run = await runCli(['build', '--cache-dir', join(dir, 'cache'), '--out', 'out'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('CUBE3222');
    expect(run.stderr).toContain("envd's output goes to /var/log/envd.log, but /var/log exists in the image as a file");
  });
});
