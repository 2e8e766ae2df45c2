/** `cube plan --explain`: what a build would run, against the last build or a plan file, without building. */
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject } from '../helpers/plan-project.js';
import type { Project } from '../helpers/plan-project.js';
import { runCli } from '../helpers/run-cli.js';

const CUBEFILE = (mode: string) => `FROM --platform=linux/amd64 oci-layout:layout:v1
ENV MODE=${mode}
CMD ["/bin/sh"]
SEAL ext4
`;

let project: Project;
let cube: (args: string[]) => ReturnType<typeof runCli>;
beforeAll(async () => {
  project = await makeProject();
  cube = (args) => runCli([...args, '--cache-dir', project.cacheDir], { cwd: project.dir, env: { SOURCE_DATE_EPOCH: '0' } });
});
afterAll(async () => {
  await rm(project.dir, { recursive: true, force: true });
});

describe('cube plan --explain', () => {
  it('explains against the last build without building, and against a plan file', async () => {
    await writeFile(join(project.dir, 'Cubefile'), CUBEFILE('dev'));
    const none = await cube(['plan', '--explain']);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toContain('no earlier build of this file is recorded');
    const built = await cube(['build', '-o', 'out', '-q']);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const old = await cube(['plan', '--json']);
    await writeFile(join(project.dir, 'old.json'), old.stdout);

    await writeFile(join(project.dir, 'Cubefile'), CUBEFILE('prod'));
    const explained = await cube(['plan', '--explain']);
    expect(explained.code, explained.stderr).toBe(0);
    expect(explained.stdout).toMatch(/^cached {2}seal /m);
    expect(explained.stdout).toMatch(/^runs {4}launch-config {2}[0-9a-f]{12} {2}Cubefile:3:1 {2}CMD \["\/bin\/sh"\]$/m);
    expect(explained.stdout).toContain('MODE].value: dev → prod  ← Cubefile:2:1  ENV MODE=prod');
    // Nothing was built: the output is the first build's, and the last build is still the one compared with.
    expect((await readdir(join(project.dir, 'out'))).sort()).toEqual(['launch.json', 'origins.json', 'plan.json', 'rootfs.ext4']);
    expect((await cube(['plan', '--explain'])).stdout).toBe(explained.stdout);

    const json = await cube(['plan', '--explain', '--against', 'old.json', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const rows = JSON.parse(json.stdout) as { key: string; reason: string; fields: { field: string; location: string }[] }[];
    expect(rows.find((r) => r.key === 'launch-config')).toMatchObject({ reason: 'own-fields', fields: [{ field: 'env.[MODE].value', location: 'Cubefile:2:1' }] });
  });

  it('refuses a plan file that is not one, with a hint', async () => {
    await writeFile(join(project.dir, 'Cubefile'), CUBEFILE('dev'));
    const run = await cube(['plan', '--explain', '--against', 'nowhere.json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('CUBE2008');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
