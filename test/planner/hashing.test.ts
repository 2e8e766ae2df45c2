/** Which changes move the seal node's id and which only move the launch nodes: one change at a time. */
import { rm, symlink, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject } from '../helpers/plan-project.js';
import type { Project } from '../helpers/plan-project.js';
import { elfWith } from '../helpers/elf.js';

const BASE = `# base fixture
FROM oci-layout:layout:v1
INJECT envd PATH envd
COPY app /srv/app
WORKDIR /srv/app
ENV MODE=prod
LABEL team=a
USER 1000
EXPOSE 8080
ENTRYPOINT ["python3"]
CMD ["main.py"]
ENTRYPOINT wrap
SEAL ext4 FREE 16MiB
`;

let project: Project;
let base: Awaited<ReturnType<Project['plan']>>;
beforeAll(async () => {
  project = await makeProject();
  base = await project.plan(BASE);
});
afterAll(async () => {
  await rm(project.dir, { recursive: true, force: true });
});

const neutral: [string, (t: string) => string][] = [
  ['CMD', (t) => t.replace('CMD ["main.py"]', 'CMD ["other.py"]')],
  ['ENV', (t) => t.replace('MODE=prod', 'MODE=dev')],
  ['EXPOSE', (t) => t.replace('EXPOSE 8080', 'EXPOSE 9090')],
  ['LABEL', (t) => t.replace('team=a', 'team=b')],
  ['USER', (t) => t.replace('USER 1000', 'USER 0')],
  ['ENTRYPOINT', (t) => t.replace('ENTRYPOINT ["python3"]', 'ENTRYPOINT ["python3", "-u"]')],
  ['envd PORT', (t) => t.replace('INJECT envd PATH envd', 'INJECT envd PATH envd PORT 50000')],
  // The same image by another name: launch.json records the name as written.
  ['image reference text', (t) => t.replace('oci-layout:layout:v1', 'oci-layout:./layout:v1')],
];

const affecting: [string, (t: string) => string][] = [
  ['envd TO path', (t) => t.replace('INJECT envd PATH envd', 'INJECT envd PATH envd TO /opt/envd')],
  ['base image', (t) => t.replace('layout:v1', 'layout:v2')],
  ['SEAL options', (t) => t.replace('FREE 16MiB', 'FREE 32MiB')],
  ['SEAL journal', (t) => t.replace('FREE 16MiB', 'FREE 16MiB journal')],
  ['COPY --chown', (t) => t.replace('COPY app', 'COPY --chown=1000:1000 app')],
  ['COPY --chmod', (t) => t.replace('COPY app', 'COPY --chmod=0700 app')],
  ['COPY destination', (t) => t.replace('/srv/app\nWORKDIR', '/srv/other\nWORKDIR')],
  ['WORKDIR', (t) => t.replace('WORKDIR /srv/app', 'WORKDIR /srv')],
];

describe('hash-neutral changes leave the seal node alone', () => {
  it.each(neutral)('%s', async (_name, edit) => {
    const changed = await project.plan(edit(BASE));
    expect(changed.plan.roots.seal).toBe(base.plan.roots.seal);
    expect(changed.plan.roots.manifest).not.toBe(base.plan.roots.manifest);
  });

  it('comments and formatting change no id at all', async () => {
    const reformatted = BASE.replace('# base fixture', '# reworded comment\n\n').replace('ENV MODE=prod', 'env \\\n  # inside\n    MODE=prod');
    const changed = await project.plan(reformatted);
    expect(changed.plan.nodes.map((n) => n.id)).toEqual(base.plan.nodes.map((n) => n.id));
  });

  it('the YAML twin gives the same ids', async () => {
    const yaml = `from: oci-layout:layout:v1
inject: { envd: { path: envd } }
steps:
  - copy: { src: app, dest: /srv/app }
  - workdir: /srv/app
env: { MODE: prod }
labels: { team: a }
user: "1000"
expose: [8080]
entrypoint: [python3]
cmd: [main.py]
wrap: true
seal: { free: 16MiB }
`;
    const twin = await project.plan(yaml, { yaml: true });
    expect(twin.plan.nodes.map((n) => n.id)).toEqual(base.plan.nodes.map((n) => n.id));
  });

  it('the same envd bytes from another host path (the flag) give the same seal', async () => {
    await project.write('elsewhere/envd-copy', elfWith('envd-binary-v1'), 0o755);
    const viaFlag = await project.plan(BASE, { envdFlag: join(project.dir, 'elsewhere/envd-copy') });
    expect(viaFlag.plan.roots.seal).toBe(base.plan.roots.seal);
    expect(viaFlag.inputs.envd?.origin).toEqual({ kind: 'flag', flag: '--envd-path' });
  });
});

describe('filesystem changes move the seal node', () => {
  it.each(affecting)('%s', async (_name, edit) => {
    const changed = await project.plan(edit(BASE));
    expect(changed.plan.roots.seal).not.toBe(base.plan.roots.seal);
  });

  it('envd bytes', async () => {
    await project.write('envd2', elfWith('envd-binary-v2'), 0o755);
    const changed = await project.plan(BASE, { envdFlag: join(project.dir, 'envd2') });
    expect(changed.plan.roots.seal).not.toBe(base.plan.roots.seal);
  });

  it('a COPY source byte, and a COPY source mode', async () => {
    await project.write('app/main.py', 'print("bye")\n');
    const bytes = await project.plan(BASE);
    expect(bytes.plan.roots.seal).not.toBe(base.plan.roots.seal);
    await project.write('app/main.py', 'print("hi")\n');
    expect((await project.plan(BASE)).plan.roots.seal).toBe(base.plan.roots.seal);
    await chmod(join(project.dir, 'app/main.py'), 0o755);
    expect((await project.plan(BASE)).plan.roots.seal).not.toBe(base.plan.roots.seal);
    await chmod(join(project.dir, 'app/main.py'), 0o644);
  });

  it('SOURCE_DATE_EPOCH (it sets the timestamps written)', async () => {
    const changed = await project.plan(BASE, { env: { SOURCE_DATE_EPOCH: '1700000000' } });
    expect(changed.plan.roots.seal).not.toBe(base.plan.roots.seal);
  });

  it('a symlink inside a copied directory is hashed as a link, not followed', async () => {
    await symlink('main.py', join(project.dir, 'app/link.py'));
    const withLink = await project.plan(BASE);
    const copy = withLink.inputs.steps[0];
    expect(copy?.kind === 'copy' && copy.copy.sources[0]?.entries.find((e) => e.relative === 'link.py')).toEqual({ type: 'symlink', relative: 'link.py', linkTarget: 'main.py' });
    expect(withLink.plan.roots.seal).not.toBe(base.plan.roots.seal);
    await rm(join(project.dir, 'app/link.py'));
  });
});
