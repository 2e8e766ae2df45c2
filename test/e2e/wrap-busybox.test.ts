/**
 * `ENTRYPOINT wrap` on a busybox image (no setpriv, su, runuser or coreutils, only busybox's
 * applets): envd runs as root, the workload as USER with the supplementary groups /etc/group
 * gives it, started for real from the loop-mounted image (needs root).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostPlatform } from '../../src/core/platform.js';
import { exampleEnvd } from '../helpers/example-images.js';
import { buildTar } from '../helpers/layers.js';
import { putImage, putIndex, tagged } from '../helpers/oci-layout.js';
import { runCli } from '../helpers/run-cli.js';
import { runWrapped } from '../helpers/run-wrapped.js';

const isRoot = process.getuid?.() === 0;
const BUSYBOX = '/bin/busybox';
let dir: string;

beforeAll(async () => {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is needed to make a busybox image (apt-get install busybox-static)`);
  dir = await mkdtemp(join(tmpdir(), 'cube-busybox-'));
  const applets = ['sh', 'id', 'echo', 'sleep', 'cat'].map((name) => ({ name: `bin/${name}`, type: 'symlink' as const, linkname: 'busybox' }));
  const layer = await buildTar([
    { name: 'bin/busybox', content: await readFile(BUSYBOX), mode: 0o755 },
    ...applets,
    { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n' },
    { name: 'etc/group', content: 'root:x:0:\napp:x:1000:\naudio:x:29:app\nvideo:x:44:root,app\n' },
    { name: 'home/app', type: 'directory', uid: 1000, gid: 1000 },
    { name: 'tmp', type: 'directory', mode: 0o1777 },
  ]);
  const platform = { os: 'linux', architecture: hostPlatform().architecture };
  const image = await putImage(join(dir, 'layout'), [{ tar: layer }], { Env: ['PATH=/bin'] }, platform);
  await putIndex(join(dir, 'layout'), [{ ...image, ...tagged('busybox') }]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a wrapped busybox image', () => {
  it.runIf(isRoot)('runs envd as root and the workload as USER app with its groups (needs root)', async () => {
    // The workload waits for envd's report: when it exits, the sandbox (and envd with it) ends.
    const report = 'i=0; while [ ! -s /tmp/envd ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; echo "$(id -u) $(id -g) $(id -G) $HOME $0 $1" > /tmp/workload';
    const cubefile = `FROM oci-layout:layout:busybox\nINJECT envd TO /bin/envd ARGS "-report /tmp/envd"\nUSER app\nCMD ["sh", "-c", ${JSON.stringify(report)}, "zero", "one two"]\nENTRYPOINT wrap\n`;
    await writeFile(join(dir, 'Cubefile'), cubefile);
    const built = await runCli(['build', '--envd-path', exampleEnvd, '--cache-dir', join(dir, 'cache'), '--out', 'out'], { cwd: dir });
    expect(built.code, built.stderr).toBe(0);
    await runWrapped(join(dir, 'out'), dir, async (root, run, manifest) => {
      expect(run.exitCode, String(run.stderr)).toBe(0);
      expect(manifest.wrapped?.workload.user).toEqual({ uid: 1000, gid: 1000, additionalGids: [29, 44] });
      expect(await readFile(join(root, 'tmp', 'workload'), 'utf8')).toBe('1000 1000 1000 29 44 /home/app zero one two\n');
      expect(await readFile(join(root, 'tmp', 'envd'), 'utf8')).toBe('envd uid=0 gid=0 argv=</bin/envd> <-port> <49983> <-isnotfc> <-report> </tmp/envd>\n');
    });
  });
});
