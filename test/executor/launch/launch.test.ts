import { describe, expect, it } from 'vitest';
import type { LaunchSpec } from '../../../src/core/build-spec.js';
import type { ImageConfig } from '../../../src/core/image.js';
import { flattenLayers } from '../../../src/executor/flatten/index.js';
import {
  buildLaunchManifest,
  checkWrappable,
  effectiveProcess,
  launchManifestJsonSchema,
  launchManifestSchema,
  READINESS_TIMING,
  resolveIdentity,
  resolveUser,
  splitUserSpec,
} from '../../../src/executor/launch/index.js';
import { layersOf } from '../../helpers/layers.js';
import type { TestMember } from '../../helpers/layers.js';
import { MemoryTree } from '../../helpers/memory-tree.js';

const image: ImageConfig = {
  env: ['PATH=/usr/bin:/bin', 'LANG=C'],
  entrypoint: ['/docker-entrypoint.sh'],
  cmd: ['nginx', '-g', 'daemon off;'],
  workingDir: '/srv',
  user: 'www',
  exposedPorts: ['80/tcp'],
  labels: {},
};
const noLaunch: LaunchSpec = { env: [], labels: [], expose: [], wrap: true };

describe('effective process', () => {
  const cases: { name: string; launch: Partial<LaunchSpec>; argv: string[] }[] = [
    { name: 'inherits entrypoint + cmd', launch: {}, argv: ['/docker-entrypoint.sh', 'nginx', '-g', 'daemon off;'] },
    { name: 'CMD replaces cmd only', launch: { cmd: { form: 'exec', argv: ['x'] } }, argv: ['/docker-entrypoint.sh', 'x'] },
    { name: 'ENTRYPOINT clears inherited CMD', launch: { entrypoint: { form: 'exec', argv: ['/app', '-v'] } }, argv: ['/app', '-v'] },
    {
      name: 'ENTRYPOINT + CMD',
      launch: { entrypoint: { form: 'exec', argv: ['/app'] }, cmd: { form: 'exec', argv: ['serve'] } },
      argv: ['/app', 'serve'],
    },
    { name: 'shell form', launch: { entrypoint: { form: 'shell', command: 'exec app $X' } }, argv: ['/bin/sh', '-c', 'exec app $X'] },
    { name: 'shell form CMD', launch: { cmd: { form: 'shell', command: 'a && b' } }, argv: ['/docker-entrypoint.sh', '/bin/sh', '-c', 'a && b'] },
  ];
  it.each(cases)('$name', ({ launch, argv }) => {
    expect(effectiveProcess(image, { ...noLaunch, ...launch }).argv).toEqual(argv);
  });

  it('merges env in place, keeps workdir and user precedence', () => {
    const p = effectiveProcess(image, { ...noLaunch, env: [{ name: 'LANG', value: 'C.UTF-8' }, { name: 'NEW', value: 'a=b' }], workdir: '/w' });
    expect(p.env).toEqual(['PATH=/usr/bin:/bin', 'LANG=C.UTF-8', 'NEW=a=b']);
    expect(p.cwd).toBe('/w');
    expect(p.user).toBe('www');
    expect(effectiveProcess({ ...image, workingDir: '' }, { ...noLaunch, user: '0' })).toMatchObject({ cwd: '/', user: '0' });
  });
});

async function indexOf(members: TestMember[]) {
  const { index } = await flattenLayers(await layersOf(members), new MemoryTree());
  return index;
}

describe('wrap checks', () => {
  const base: TestMember[] = [
    { name: 'usr/bin/dash', content: 'ELF', mode: 0o755 },
    { name: 'bin', type: 'symlink', linkname: 'usr/bin' },
    { name: 'usr/bin/sh', type: 'symlink', linkname: 'dash' },
    { name: 'usr/bin/app', content: 'ELF', mode: 0o755 },
    { name: 'usr/bin/data', content: 'not exec', mode: 0o644 },
    { name: 'usr/bin/sleep', content: 'ELF', mode: 0o755 },
  ];
  const proc = (argv: string[], env = ['PATH=/usr/local/bin:/bin']) => ({ argv, env, cwd: '/', user: '' });

  it('accepts /bin/sh through symlinks and a workload found via PATH, and says where it found it', async () => {
    expect(checkWrappable(await indexOf(base), proc(['app', 'x']))).toEqual({ problems: [], executable: '/bin/app' });
    expect(checkWrappable(await indexOf(base), proc(['/bin/app']))).toEqual({ problems: [], executable: '/bin/app' });
    expect(checkWrappable(await indexOf(base), proc([]))).toEqual({ problems: [], executable: '/bin/sleep' });
  });

  it('rejects a missing /bin/sh, even when a symlink points at the host', async () => {
    const codes = checkWrappable(await indexOf([{ name: 'bin/sh', type: 'symlink', linkname: '/../../../bin/nosuch' }, { name: 'app', content: 'x', mode: 0o755 }]), proc(['/app']));
    expect(codes.problems.map((d) => d.code)).toEqual(['CUBE3210']);
  });

  it.each([
    ['missing in PATH', ['nope'], 'not found in PATH=/usr/local/bin:/bin'],
    ['absolute missing', ['/opt/app'], 'no executable file'],
    ['not executable', ['data'], 'not found in PATH'],
    ['empty without sleep', [], 'kept alive'],
  ])('rejects workload: %s', async (_name, argv, text) => {
    const members = argv.length === 0 ? base.filter((m) => !m.name.endsWith('sleep')) : base;
    const diags = checkWrappable(await indexOf(members), proc(argv as string[])).problems;
    expect(diags.map((d) => d.code)).toEqual(['CUBE3211']);
    expect(diags[0]?.message).toContain(text);
  });
});

describe('user resolution', () => {
  const files = { passwd: 'root:x:0:0:root:/root:/bin/sh\nwww:x:33:34::/var/www:/bin/false\n', group: 'root:x:0:\nstaff:x:50:\n' };
  it.each([
    ['www', { uid: 33, gid: 34 }],
    ['www:staff', { uid: 33, gid: 50 }],
    ['1000', { uid: 1000, gid: 0 }],
    ['33', { uid: 33, gid: 34 }],
    ['1000:7', { uid: 1000, gid: 7 }],
  ])('%s', (spec, want) => {
    const { user, group } = splitUserSpec(spec);
    expect(resolveUser(user, group, files)).toEqual({ ok: true, value: want });
  });
  it('reports unknown names', () => {
    const u = resolveUser('nobody', undefined, files);
    expect(u.ok ? '' : u.diagnostic.code).toBe('CUBE3212');
    const g = resolveUser('www', 'wheel', files);
    expect(g.ok ? '' : g.diagnostic.code).toBe('CUBE3213');
    const none = resolveUser('www', undefined, {});
    expect(none.ok ? '' : none.diagnostic.message).toContain('no /etc/passwd');
  });
  it('refuses ids no Linux user or group can have, instead of wrapping them to 0', () => {
    const u = resolveUser('4294967296', undefined, files);
    expect(u.ok ? '' : [u.diagnostic.code, u.diagnostic.message]).toEqual(['CUBE3212', 'user id 4294967296 is out of range (0 to 4294967294)']);
    const g = resolveUser('0', '4294967295', files);
    expect(g.ok ? '' : g.diagnostic.code).toBe('CUBE3213');
    expect(resolveUser('4294967294', '4294967294', files)).toEqual({ ok: true, value: { uid: 4294967294, gid: 4294967294 } });
    // An entry in the image's passwd with an impossible id is not a user either.
    const odd = resolveUser('big', undefined, { passwd: 'big:x:99999999999:0::/:/bin/sh\n' });
    expect(odd.ok).toBe(false);
  });
});

describe('a workload\'s identity, as Docker gives it', () => {
  const files = {
    passwd: 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nsvc:x:1001:1001::/srv:/bin/false\nbare:x:1002:1002::::\n',
    group: 'root:x:0:\napp:x:1000:\nwheel:x:10:root,app\naudio:x:29:app\nsvc:x:1001:\nsudo:x:27:root,app\nwheel2:x:10:app\n',
  };
  it.each([
    ['', { uid: 0, gid: 0, additionalGids: [10, 27], home: '/root' }],
    ['app', { uid: 1000, gid: 1000, additionalGids: [10, 29, 27], home: '/home/app' }],
    ['1000', { uid: 1000, gid: 1000, additionalGids: [10, 29, 27], home: '/home/app' }],
    ['app:svc', { uid: 1000, gid: 1001, additionalGids: [], home: '/home/app' }],
    ['svc', { uid: 1001, gid: 1001, additionalGids: [], home: '/srv' }],
    ['bare', { uid: 1002, gid: 1002, additionalGids: [], home: '/' }],
    ['4242', { uid: 4242, gid: 0, additionalGids: [], home: '/' }],
  ])('USER %j', (spec, want) => {
    expect(resolveIdentity(spec, files)).toEqual({ ok: true, value: want });
  });
  it('root of an image without account files is 0:0 with no groups and home /', () => {
    expect(resolveIdentity('', {})).toEqual({ ok: true, value: { uid: 0, gid: 0, additionalGids: [], home: '/' } });
  });
});

describe('launch manifest', () => {
  const d = (c: string) => `sha256:${c.repeat(64)}`;
  const input = {
    producedBy: d('a'),
    planDigest: d('b'),
    image: { ref: 'docker.io/library/nginx:1', digest: d('c') },
    artifact: { path: 'rootfs.ext4', sha256: d('d'), size: 4194304, filesystemUuid: '01234567-89ab-cdef-0123-456789abcdef' },
    process: { argv: ['/bin/sh', '-c', 'x', 'cube-wrap', 'nginx'], env: ['A=1'], cwd: '/', user: { uid: 0, gid: 0, additionalGids: [] } },
    expose: [{ port: 80, protocol: 'tcp' as const }, { port: 49983, protocol: 'tcp' as const }, { port: 53, protocol: 'udp' as const }],
    envd: { path: '/usr/local/bin/envd', sha256: d('e'), port: 49983 },
    wrapped: { envdArgv: ['/usr/local/bin/envd', '-port', '49983', '-isnotfc'], log: '/var/log/envd.log', workloadArgv: ['nginx'], workloadUser: { uid: 33, gid: 34, additionalGids: [5] } },
  };
  it('fills ports (deduplicated), the wrapped marker, readiness with its timing, and validates', () => {
    const m = buildLaunchManifest(input);
    expect(m.exposedPorts).toEqual([{ port: 53, protocol: 'udp' }, { port: 80, protocol: 'tcp' }, { port: 49983, protocol: 'tcp' }]);
    expect(m.readiness).toEqual({ method: 'GET', port: 49983, path: '/health', expectStatus: 204, ...READINESS_TIMING });
    expect(m.wrapped).toEqual({
      by: 'cube',
      envd: { argv: ['/usr/local/bin/envd', '-port', '49983', '-isnotfc'], user: { uid: 0, gid: 0, additionalGids: [] }, log: '/var/log/envd.log' },
      workload: { argv: ['nginx'], user: { uid: 33, gid: 34, additionalGids: [5] } },
    });
    expect(launchManifestSchema.safeParse(JSON.parse(JSON.stringify(m))).success).toBe(true);
  });
  it('promises no readiness probe when envd is injected but nothing starts it', () => {
    const { wrapped: _, ...unwrapped } = input;
    const m = buildLaunchManifest({ ...unwrapped, process: { ...input.process, argv: ['nginx'] } });
    expect(m.readiness).toBeUndefined();
    expect(m.wrapped).toBeUndefined();
    expect(m.envd?.port).toBe(49983);
  });
  it('holds only valid UTF-8: a byte that is not (an image config can name one with a \\udcXX escape) is written \\xNN', () => {
    const m = buildLaunchManifest({ ...input, process: { ...input.process, argv: ['/srv/caf\udce9'], env: ['NAME=caf\udce9'], cwd: '/caf\udce9' } });
    expect(m.process).toMatchObject({ argv: ['/srv/caf\\xe9'], env: ['NAME=caf\\xe9'], cwd: '/caf\\xe9' });
    expect(JSON.stringify(m)).not.toMatch(/\\ud[89a-f]/);
  });
  it('rejects a bad digest', () => {
    expect(() => buildLaunchManifest({ ...input, planDigest: 'md5:x' })).toThrow();
  });
  it('JSON Schema in grammar/ is up to date', async () => {
    await expect(launchManifestJsonSchema()).toMatchFileSnapshot('../../../grammar/launch.schema.json');
  });
});
