/**
 * Golden plans: the plan JSON of a fixture project is the same on every run and every machine
 * (its image, envd and files are made here from fixed bytes), its YAML twin gives the same ids,
 * and the examples' plans are stable from run to run.
 */
import { chmod, cp, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImageSources } from '../../src/executor/image/index.js';
import { parseCubefile, parseCubeYaml } from '../../src/parser/index.js';
import { planBuild, planToJson } from '../../src/planner/index.js';
import type { Plan } from '../../src/planner/index.js';
import { copyExample, EXAMPLES, exampleEnvd } from '../helpers/example-images.js';
import { elfWith } from '../helpers/elf.js';
import { buildTar } from '../helpers/layers.js';
import { putImage, putIndex, tagged } from '../helpers/oci-layout.js';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'planner', 'golden', 'web');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cube-golden-'));
  await cp(fixture, dir, { recursive: true });
  // Modes are part of the hash; a checkout's umask must not change them.
  await chmod(join(dir, 'app'), 0o755);
  await chmod(join(dir, 'app', 'main.py'), 0o644);
  const layout = join(dir, 'layout');
  const image = await putImage(layout, [{ compression: 'none', tar: await buildTar([{ name: 'bin/sh', content: '#!sh', mode: 0o755 }, { name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n' }]) }], { Env: ['PATH=/usr/bin:/bin'] });
  await putIndex(layout, [{ ...image, ...tagged('v1') }]);
  await writeFile(join(dir, 'envd'), elfWith('golden envd bytes'), { mode: 0o755 });
  const past = new Date(Date.now() - 60_000);
  for (const p of ['envd', 'app/main.py']) await utimes(join(dir, p), past, past);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function plan(projectDir: string, file: string, envdFlag?: string): Promise<Plan> {
  const text = await readFile(join(projectDir, file), 'utf8');
  const parsed = file.endsWith('.yaml') ? parseCubeYaml(text, { path: file }) : parseCubefile(text, { path: file });
  if (!parsed.spec) throw new Error(JSON.stringify(parsed.diagnostics));
  const result = await planBuild({
    spec: parsed.spec,
    spans: parsed.spans,
    buildFile: join(projectDir, file),
    contextDir: projectDir,
    ...(envdFlag ? { envdPathFlag: envdFlag } : {}),
    env: {},
    resolver: createImageSources({ cacheDir: join(dir, 'cache') }).resolver,
    cacheDir: join(dir, 'cache'),
    lock: 'refresh',
  });
  return result.plan;
}

describe('golden plans', () => {
  it('the fixture plan matches its golden file, and the YAML twin has the same ids', async () => {
    const fromCubefile = await plan(dir, 'Cubefile');
    await expect(planToJson(fromCubefile)).toMatchFileSnapshot(join(fixture, '..', 'web.plan.json'));
    const fromYaml = await plan(dir, 'cube.yaml');
    expect(fromYaml.nodes).toEqual(fromCubefile.nodes);
    expect(fromYaml.roots).toEqual(fromCubefile.roots);
  });

  it('each example plans to the same JSON on every run', async () => {
    for (const example of EXAMPLES) {
      const project = await copyExample(example, dir);
      const first = planToJson(await plan(project, 'Cubefile', exampleEnvd));
      const second = planToJson(await plan(project, 'Cubefile', exampleEnvd));
      expect(second).toBe(first);
      const twin = await plan(project, 'cube.yaml', exampleEnvd);
      expect(twin.roots).toEqual(JSON.parse(first).roots);
    }
  });
});
