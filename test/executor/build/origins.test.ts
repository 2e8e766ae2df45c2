/**
 * origins.json, as `cube build` writes it beside the image: each path names the plan node that
 * put it there (the layer that last wrote it, envd's injection with exec-as, the COPY or WORKDIR
 * step, the step whose destination needed a new parent), the same from the cache and from the
 * flattened base, and an entry whose origins cannot be read is sealed again rather than trusted.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { originsFromJson } from '../../../src/executor/build/origins.js';
import type { Origins } from '../../../src/executor/build/origins.js';
import type { Plan } from '../../../src/planner/index.js';
import { useInspectProject } from '../../helpers/inspect-project.js';
import type { InspectProject } from '../../helpers/inspect-project.js';

const made = useInspectProject({ built: false });
let project: InspectProject;

beforeAll(() => {
  project = made();
});

async function outputs(): Promise<{ origins: Origins; plan: Plan; text: string }> {
  const text = await readFile(join(project.out, 'origins.json'), 'utf8');
  const origins = originsFromJson(text);
  if (!origins) throw new Error(`origins.json is not valid: ${text.slice(0, 200)}`);
  return { origins, plan: JSON.parse(await readFile(join(project.out, 'plan.json'), 'utf8')) as Plan, text };
}

/** The plan node key (`layer/1`, `inject`, `step/0`) each path's origin names; `writer` for none. */
function keysByPath(origins: Origins, plan: Plan): Map<string, string> {
  return new Map(origins.paths.map((path, i) => {
    const origin = origins.origins[origins.origin[i] as number];
    return [path, origin ? (plan.sources[origin.node]?.key ?? '?') : 'writer'];
  }));
}

describe('origins.json', () => {
  it('names the plan node behind every path of the image', async () => {
    const run = await project.build();
    expect(run.code, run.stderr).toBe(0);
    const { origins, plan } = await outputs();
    expect(origins.seal).toBe(plan.roots.seal);
    const keys = keysByPath(origins, plan);
    expect(Object.fromEntries(['/', '/bin/sh', '/usr/lib/libbig.so', '/usr/share/doc/readme', '/opt/tool/bin/tool', '/opt/tool/bin/tool-link', '/usr/local/bin/envd', '/usr/libexec/cube/exec-as', '/var/log', '/srv/app', '/srv/app/static/big.js', '/data', '/data/data.bin'].map((p) => [p, keys.get(p)]))).toEqual({
      '/': 'writer',
      '/bin/sh': 'layer/0',
      // The second layer replaced it, and made the link.
      '/usr/lib/libbig.so': 'layer/1',
      '/usr/share/doc/readme': 'layer/0',
      '/opt/tool/bin/tool': 'layer/1',
      '/opt/tool/bin/tool-link': 'layer/1',
      '/usr/local/bin/envd': 'inject',
      '/usr/libexec/cube/exec-as': 'inject',
      // The wrapper's log directory, which this image lacked.
      '/var/log': 'inject',
      // COPY app/ /srv/app/ made /srv/app; WORKDIR found it there.
      '/srv/app': 'step/0',
      '/srv/app/static/big.js': 'step/0',
      // COPY data.bin /data/ made the directory it copies into.
      '/data': 'step/2',
      '/data/data.bin': 'step/2',
    });
    // Every path of the tree once; the origins are the plan's layers, envd and steps in order.
    expect(new Set(origins.paths).size).toBe(origins.paths.length);
    expect(origins.origins.map((o) => plan.sources[o.node]?.key)).toEqual(['layer/0', 'layer/1', 'inject', 'step/0', 'step/1', 'step/2']);
  });

  it('comes with the cached image, and an entry whose origins are broken is sealed again', async () => {
    const first = await outputs();
    const again = await project.build();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('found in the cache');
    expect((await outputs()).text).toBe(first.text);
    await writeFile(join(project.cacheDir, 'artifacts', first.plan.roots.seal.slice(7), 'origins.json'), '{"version": 1,');
    await rm(join(project.out, 'origins.json'));
    const resealed = await project.build();
    expect(resealed.code, resealed.stderr).toBe(0);
    expect(resealed.stderr).toContain('cached rootfs is corrupt (origins.json is not valid); rebuilding');
    expect((await outputs()).text).toBe(first.text);
  });

  it('is the same for an image sealed from the flattened base as for one sealed from the layers', async () => {
    await writeFile(join(project.dir, 'app', 'main.py'), 'print("changed")\n');
    const incremental = await project.build();
    expect(incremental.code, incremental.stderr).toBe(0);
    expect(incremental.stderr).toContain('reused from the flattened rootfs');
    const fromBase = await outputs();
    const cold = await project.build(['--no-cache']);
    expect(cold.code, cold.stderr).toBe(0);
    expect(cold.stderr).toContain('flattened 2 layers');
    expect((await outputs()).text).toBe(fromBase.text);
    expect(keysByPath(fromBase.origins, fromBase.plan).get('/usr/lib/libbig.so')).toBe('layer/1');
  });
});
