/**
 * What runs is what was hashed: the executor takes its seal options, launch settings and image
 * reference from plan nodes (planner/plan-values.ts) and its files from the plan's inputs. Each
 * of those values, changed in the build file, reads back changed from the plan and changes the id
 * of the node that holds it, and with it a root.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageRefOf, launchSpecOf, sealOptionsOf } from '../../src/planner/index.js';
import type { Plan, PlanResult } from '../../src/planner/index.js';
import { makeProject } from '../helpers/plan-project.js';
import type { Project } from '../helpers/plan-project.js';

let project: Project;

const base = {
  from: 'FROM oci-layout:layout:v1',
  inject: 'INJECT envd PATH envd TO /bin/envd',
  copy: 'COPY app /app',
  workdir: 'WORKDIR /app',
  env: 'ENV A=1',
  label: 'LABEL team=core',
  user: 'USER 0',
  expose: 'EXPOSE 8080',
  entrypoint: 'ENTRYPOINT ["/bin/sh"]',
  cmd: 'CMD ["-c", "true"]',
  wrap: '',
  seal: 'SEAL ext4 FREE 8MiB',
};

function cubefile(changes: Partial<typeof base> = {}): string {
  return Object.values({ ...base, ...changes })
    .filter((line) => line !== '')
    .join('\n');
}

const idOf = (plan: Plan, kind: string): string | undefined => plan.nodes.find((n) => n.kind === kind)?.id;

beforeAll(async () => {
  project = await makeProject();
});
afterAll(async () => {
  await rm(project.dir, { recursive: true, force: true });
});

describe('the values the executor reads from a plan', () => {
  let reference: PlanResult;
  beforeAll(async () => {
    reference = await project.plan(cubefile());
  });

  it('are the build file\'s, read from its nodes', () => {
    expect(sealOptionsOf(reference.plan)).toMatchObject({ format: 'ext4', free: 8 * 1024 * 1024 });
    expect(launchSpecOf(reference.plan)).toMatchObject({ workdir: '/app', user: '0', wrap: false, env: [{ name: 'A', value: '1' }] });
    expect(imageRefOf(reference.plan)).toBe('oci-layout:layout:v1');
  });

  const sealChanges: [string, Partial<typeof base>, (p: Plan) => unknown][] = [
    ['SEAL SIZE', { seal: 'SEAL ext4 SIZE 64MiB' }, (p) => sealOptionsOf(p).size],
    ['SEAL journal', { seal: 'SEAL ext4 FREE 8MiB journal' }, (p) => sealOptionsOf(p).journal],
    ['SEAL metadata_csum', { seal: 'SEAL ext4 FREE 8MiB metadata_csum' }, (p) => sealOptionsOf(p).metadataCsum],
    ['SEAL dir_index', { seal: 'SEAL ext4 FREE 8MiB dir_index' }, (p) => sealOptionsOf(p).dirIndex],
    ['SEAL holes', { seal: 'SEAL ext4 FREE 8MiB holes' }, (p) => sealOptionsOf(p).holes],
    ['SEAL label', { seal: 'SEAL ext4 FREE 8MiB label=app' }, (p) => sealOptionsOf(p).label],
  ];
  it.each(sealChanges)('%s: read back changed, and the seal node (a root) has another id', async (_name, change, read) => {
    const changed = await project.plan(cubefile(change));
    expect(read(changed.plan)).not.toEqual(read(reference.plan));
    expect(changed.plan.roots.seal).not.toBe(reference.plan.roots.seal);
  });

  const launchChanges: [string, Partial<typeof base>, (p: Plan) => unknown][] = [
    ['ENV', { env: 'ENV A=2' }, (p) => launchSpecOf(p).env],
    ['LABEL', { label: 'LABEL team=edge' }, (p) => launchSpecOf(p).labels],
    ['WORKDIR', { workdir: 'WORKDIR /srv' }, (p) => launchSpecOf(p).workdir],
    ['USER', { user: 'USER 1000' }, (p) => launchSpecOf(p).user],
    ['EXPOSE', { expose: 'EXPOSE 9090' }, (p) => launchSpecOf(p).expose],
    ['ENTRYPOINT', { entrypoint: 'ENTRYPOINT ["/bin/envd"]' }, (p) => launchSpecOf(p).entrypoint],
    ['CMD', { cmd: 'CMD ["-c", "false"]' }, (p) => launchSpecOf(p).cmd],
    ['ENTRYPOINT wrap', { wrap: 'ENTRYPOINT wrap' }, (p) => launchSpecOf(p).wrap],
  ];
  it.each(launchChanges)('%s: read back changed, and the launch-config node and the manifest (a root) have other ids', async (_name, change, read) => {
    const changed = await project.plan(cubefile(change));
    expect(read(changed.plan)).not.toEqual(read(reference.plan));
    expect(idOf(changed.plan, 'launch-config')).not.toBe(idOf(reference.plan, 'launch-config'));
    expect(changed.plan.roots.manifest).not.toBe(reference.plan.roots.manifest);
  });

  it('the image reference as written: read back changed, and the manifest has another id', async () => {
    const changed = await project.plan(cubefile({ from: 'FROM oci-layout:./layout:v1' }));
    expect(imageRefOf(changed.plan)).not.toBe(imageRefOf(reference.plan));
    expect(changed.plan.roots.manifest).not.toBe(reference.plan.roots.manifest);
  });

  it("the inputs' files: envd's and a COPY source's bytes change the seal node's id", async () => {
    await project.write('app/main.py', 'print("changed")\n');
    const copied = await project.plan(cubefile());
    expect(copied.plan.roots.seal).not.toBe(reference.plan.roots.seal);
    await project.write('envd', Buffer.concat([await readFile(join(project.dir, 'envd')), Buffer.from('x')]), 0o755);
    const injected = await project.plan(cubefile());
    expect(injected.plan.roots.seal).not.toBe(copied.plan.roots.seal);
  });
});
