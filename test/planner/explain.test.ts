/** `--explain`: why each node runs, citing lines; never cached vs missing; a new base image's config. */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Digest } from '../../src/core/digest.js';
import { explainBuild, renderExplanation } from '../../src/planner/index.js';
import type { Explanation, Plan } from '../../src/planner/index.js';
import { buildTar } from '../helpers/layers.js';
import { putImage, putIndex, tagged } from '../helpers/oci-layout.js';
import { makeProject } from '../helpers/plan-project.js';
import type { Project } from '../helpers/plan-project.js';

const BASE = `FROM oci-layout:layout:v1
INJECT envd PATH envd
COPY app /srv/app
ENV MODE=dev
CMD ["python3", "/srv/app/main.py"]
ENTRYPOINT wrap
`;

let project: Project;
beforeAll(async () => {
  project = await makeProject();
  await project.write('envd', (await import('../helpers/elf.js')).elfWith('envd'), 0o755);
  await project.write('app/main.py', 'print("hi")\n');
  // Two images whose configs differ: another PATH and a USER.
  const layout = join(project.dir, 'configs');
  const layer = [{ tar: await buildTar([{ name: 'bin/sh', content: 'sh', mode: 0o755 }]) }];
  const a = await putImage(layout, layer, { Env: ['PATH=/bin'] });
  const b = await putImage(layout, layer, { Env: ['PATH=/usr/bin:/bin'], User: 'app' });
  await putIndex(layout, [{ ...a, ...tagged('a') }, { ...b, ...tagged('b') }]);
});
afterAll(async () => {
  await rm(project.dir, { recursive: true, force: true });
});

/** The cache state of a build whose sealed rootfs (and everything under it) is cached, and nothing else. */
function sealCached(plan: Plan): (id: Digest) => boolean {
  const launch = new Set(plan.nodes.filter((n) => n.kind === 'launch-config' || n.kind === 'manifest').map((n) => n.id));
  return (id) => !launch.has(id);
}

function row(explanations: readonly Explanation[], key: string): Explanation {
  const found = explanations.find((e) => e.key === key);
  if (!found) throw new Error(`no row ${key}`);
  return found;
}

describe('explain', () => {
  it('names the remote cache a seal node comes from, and the ones asked in vain', async () => {
    const { plan } = await project.plan(BASE);
    const seal = plan.roots.seal;
    const launch = new Set(plan.nodes.filter((n) => n.kind === 'launch-config' || n.kind === 'manifest').map((n) => n.id));
    const remote = explainBuild(plan, undefined, (id) => (launch.has(id) ? false : { remote: 'registry.example/team/cube-cache' }));
    expect(row(remote, 'seal')).toMatchObject({ reason: 'remote', from: 'registry.example/team/cube-cache' });
    expect(renderExplanation(remote)).toContain(`seal ${seal.slice(7, 19)} from registry.example/team/cube-cache`);
    const missed = explainBuild(plan, undefined, () => false, ['registry.example/team/cube-cache']);
    expect(row(missed, 'seal')).toMatchObject({ reason: 'first', notIn: ['registry.example/team/cube-cache'] });
    expect(row(missed, 'step/0').notIn).toBeUndefined();
    expect(renderExplanation(missed)).toContain('not in the remote cache registry.example/team/cube-cache either');
  });

  it('cites each row at its build file line and instruction', async () => {
    const { plan } = await project.plan(BASE);
    const explained = explainBuild(plan, plan, () => true);
    expect(row(explained, 'step/0')).toMatchObject({ reason: 'cached', location: 'Cubefile:3:1', instruction: 'COPY app /srv/app' });
    expect(renderExplanation(explained)).toMatch(/^cached {2}copy {11}[0-9a-f]{12} {2}Cubefile:3:1 {2}COPY app \/srv\/app$/m);
  });

  it('attributes an ENV change to the ENV line, not to the CMD line the launch config stands at', async () => {
    const old = await project.plan(BASE);
    const next = await project.plan(BASE.replace('MODE=dev', 'MODE=prod'));
    const explained = explainBuild(next.plan, old.plan, sealCached(next.plan));
    const launch = row(explained, 'launch-config');
    expect(launch).toMatchObject({ reason: 'own-fields', location: 'Cubefile:5:1' });
    expect(launch.fields).toEqual([{ field: 'env.[MODE].value', old: 'dev', new: 'prod', location: 'Cubefile:4:1', instruction: 'ENV MODE=prod' }]);
    expect(row(explained, 'manifest')).toMatchObject({ reason: 'inputs', inputs: ['launch-config'] });
    const text = renderExplanation(explained);
    expect(text).toContain('            env.[MODE].value: dev → prod  ← Cubefile:4:1  ENV MODE=prod\n');
    expect(text).toContain('what it is built from changed: launch-config (Cubefile:5:1)');
    expect(text).toMatch(/^cached {2}seal /m);
  });

  it('cites a removed ENV at the line that set it in the earlier build', async () => {
    const old = await project.plan(BASE.replace('ENV MODE=dev', 'ENV MODE=dev\nENV EXTRA=1'));
    const next = await project.plan(BASE);
    const launch = row(explainBuild(next.plan, old.plan, sealCached(next.plan)), 'launch-config');
    expect(launch.fields).toContainEqual({ field: 'env.[EXTRA].name', old: 'EXTRA', location: 'Cubefile:5:1', instruction: 'ENV EXTRA=1' });
  });

  it('tells nodes that are never cached from results missing from the cache', async () => {
    const { plan } = await project.plan(BASE);
    const explained = explainBuild(plan, plan, (id) => plan.nodes.find((n) => n.id === id)?.kind === 'image');
    expect(Object.fromEntries(explained.map((e) => [e.key, e.reason]))).toEqual({
      image: 'cached',
      'layer/0': 'never-cached',
      rootfs: 'never-cached',
      inject: 'never-cached',
      'step/0': 'never-cached',
      seal: 'missing',
      'launch-config': 'never-cached',
      manifest: 'missing',
    });
    const text = renderExplanation(explained);
    expect(text.match(/missing from the cache/g)).toHaveLength(2);
    expect(text).toContain('unchanged, but never cached on its own: redone because the sealed rootfs is');
    expect(text).toContain('unchanged, but never cached on its own: redone because the launch manifest is');
  });

  it('says when there is no earlier build to compare with, and when a node is new', async () => {
    const { plan } = await project.plan(BASE);
    expect(new Set(explainBuild(plan, undefined, () => false).map((e) => e.reason))).toEqual(new Set(['first']));
    const withWorkdir = await project.plan(BASE.replace('ENV', 'WORKDIR /srv\nENV'));
    expect(row(explainBuild(withWorkdir.plan, plan, () => false), 'step/1').reason).toBe('new');
  });

  it('names the config fields a new base image changes', async () => {
    const old = await project.plan(BASE.replace('layout:v1', 'configs:a'));
    const next = await project.plan(BASE.replace('layout:v1', 'configs:b'));
    const image = row(explainBuild(next.plan, old.plan, () => true), 'image');
    expect(image.reason).toBe('cached');
    const fields = Object.fromEntries(image.fields.map((f) => [f.field, [f.old, f.new]]));
    expect(fields['config.env.PATH']).toEqual(['/bin', '/usr/bin:/bin']);
    expect(fields['config.user']).toEqual([null, 'app']);
    expect(image.fields.every((f) => f.location === 'Cubefile:1:1')).toBe(true);
    expect(renderExplanation(explainBuild(next.plan, old.plan, () => true))).toContain('resolved to a new image:\n');
  });
});
