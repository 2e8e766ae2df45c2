/** `cube diff` output on the cases CI cares about; goldens in test/fixtures/planner/diff/. */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffPlans, parsePlanJson, planToJson, renderPlanDiff, renderPlanTree } from '../../src/planner/index.js';
import { makeProject } from '../helpers/plan-project.js';
import type { Project } from '../helpers/plan-project.js';
import { elfWith } from '../helpers/elf.js';
import { runCli } from '../helpers/run-cli.js';

const golden = join(import.meta.dirname, '..', 'fixtures', 'planner');
const BASE = `FROM oci-layout:layout:v1
INJECT envd PATH envd
COPY app /srv/app
CMD ["python3", "/srv/app/main.py"]
ENTRYPOINT wrap
`;

let project: Project;
beforeAll(async () => {
  project = await makeProject();
});
afterAll(async () => {
  await rm(project.dir, { recursive: true, force: true });
});

/** Replaces the temp directory in output so goldens are the same on every machine. */
function stable(text: string): string {
  return text.split(project.dir).join('<project>');
}

describe('cube diff', () => {
  it('envd bytes changed: the inject node, with the flag named', async () => {
    const old = await project.plan(BASE);
    await project.write('envd-new', elfWith('envd-binary-v2'), 0o755);
    const next = await project.plan(BASE, { envdFlag: join(project.dir, 'envd-new') });
    const diff = diffPlans(old.plan, next.plan);
    expect(diff.causes.map((c) => c.key)).toEqual(['inject']);
    expect(diff.cascade).toEqual(['step/0', 'seal', 'manifest']);
    await expect(stable(renderPlanDiff(diff))).toMatchFileSnapshot(join(golden, 'diff', 'envd-bytes.txt'));
  });

  it('base image digest changed: the image and its layers, everything else a cascade', async () => {
    const old = await project.plan(BASE);
    const next = await project.plan(BASE.replace('layout:v1', 'layout:v2'));
    const diff = diffPlans(old.plan, next.plan);
    // The manifest too: launch.json names the image as written, and the tag in the text changed.
    expect(diff.causes.map((c) => c.key)).toEqual(['image', 'layer/0', 'manifest']);
    await expect(stable(renderPlanDiff(diff))).toMatchFileSnapshot(join(golden, 'diff', 'base-image.txt'));
  });

  it('an ENV change is cited at its ENV line, not at the CMD line the launch config stands at', async () => {
    const old = await project.plan(BASE.replace('CMD', 'ENV MODE=dev\nCMD'));
    const next = await project.plan(BASE.replace('CMD', 'ENV MODE=prod\nCMD'));
    const [cause] = diffPlans(old.plan, next.plan).causes;
    expect(cause).toMatchObject({ key: 'launch-config', location: 'Cubefile:5:1' });
    expect(cause?.fields).toEqual([{ field: 'env.[MODE].value', old: 'dev', new: 'prod', location: 'Cubefile:4:1', instruction: 'ENV MODE=prod' }]);
    expect(renderPlanDiff(diffPlans(old.plan, next.plan))).toContain('    env.[MODE].value: dev → prod  (Cubefile:4:1  ENV MODE=prod)\n');
  });

  it('CMD changed only: the launch config, and the seal untouched', async () => {
    const old = await project.plan(BASE);
    const next = await project.plan(BASE.replace('main.py"]', 'main.py", "--debug"]'));
    const diff = diffPlans(old.plan, next.plan);
    expect(diff.causes.map((c) => c.key)).toEqual(['launch-config']);
    expect(diff.cascade).toEqual(['manifest']);
    await expect(stable(renderPlanDiff(diff))).toMatchFileSnapshot(join(golden, 'diff', 'cmd-only.txt'));
  });

  it('two causes at once: a COPY source and the SEAL options', async () => {
    const old = await project.plan(BASE);
    await project.write('app/main.py', 'print("changed")\n');
    const next = await project.plan(BASE + 'SEAL ext4 FREE 64MiB\n');
    const diff = diffPlans(old.plan, next.plan);
    expect(diff.causes.map((c) => c.key).sort()).toEqual(['seal', 'step/0']);
    await expect(stable(renderPlanDiff(diff))).toMatchFileSnapshot(join(golden, 'diff', 'two-causes.txt'));
    await project.write('app/main.py', 'print("hi")\n');
  });

  it('reads plan files from the command line, as text and JSON', async () => {
    const old = await project.plan(BASE);
    const next = await project.plan(BASE.replace('main.py"]', 'other.py"]'));
    await writeFile(join(project.dir, 'old.json'), planToJson(old.plan));
    await writeFile(join(project.dir, 'new.json'), planToJson(next.plan));
    const text = await runCli(['diff', 'old.json', 'new.json'], { cwd: project.dir });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('launch-config');
    expect((await runCli(['diff', 'old.json', 'new.json', '--exit-code'], { cwd: project.dir })).code).toBe(1);
    expect((await runCli(['diff', 'old.json', 'old.json', '--exit-code'], { cwd: project.dir })).code).toBe(0);
    const json = await runCli(['diff', 'old.json', 'new.json', '--json'], { cwd: project.dir });
    expect(JSON.parse(json.stdout).causes[0].key).toBe('launch-config');
    await writeFile(join(project.dir, 'bad.json'), '{"version": 1}');
    const bad = await runCli(['diff', 'old.json', 'bad.json'], { cwd: project.dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('CUBE2008');
  });
});

describe('plan files', () => {
  it('round-trip through plan.json, and a hand-edited node is refused', async () => {
    const { plan } = await project.plan(BASE);
    expect(parsePlanJson(planToJson(plan), 'plan.json')).toEqual(plan);
    const edited = planToJson(plan).replace('"mode": 493', '"mode": 511');
    expect(() => parsePlanJson(edited, 'plan.json')).toThrow(/does not hash to its id/);
  });

  it('prints a readable tree', async () => {
    const first = await project.plan(BASE);
    await expect(stable(renderPlanTree(first.plan)).replace(/sha256:[0-9a-f]{64}/g, 'sha256:<digest>').replace(/\b[0-9a-f]{12}\b/g, '<id>')).toMatchFileSnapshot(join(golden, 'tree.txt'));
  });
});
