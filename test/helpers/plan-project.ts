/** A throwaway build project for planner tests: an OCI layout, an envd file, app files, a Cubefile. */
import { mkdir, mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Platform } from '../../src/core/build-spec.js';
import { createImageSources } from '../../src/executor/image/index.js';
import { parseCubefile, parseCubeYaml } from '../../src/parser/index.js';
import { planBuild } from '../../src/planner/index.js';
import type { LockMode, PlanResult } from '../../src/planner/index.js';
import { elfWith } from './elf.js';
import { buildTar } from './layers.js';
import { putBlob, putImage, putIndex, tagged } from './oci-layout.js';

/** A project directory with a layout holding tags `v1` and `v2` (different content), `multi` and `other`. */
export interface Project {
  readonly dir: string;
  readonly cacheDir: string;
  write(path: string, content: string | Buffer, mode?: number): Promise<void>;
  plan(text: string, options?: { envdFlag?: string; envdMaxSize?: number; env?: Record<string, string>; lock?: LockMode; yaml?: boolean; platform?: Platform }): Promise<PlanResult>;
}

/** Sets a file's times well in the past, out of the stat cache's racy window. */
export async function settle(path: string): Promise<void> {
  const past = new Date(Date.now() - 60_000);
  await utimes(path, past, past);
}

/** Makes a project. */
export async function makeProject(): Promise<Project> {
  const dir = await mkdtemp(join(tmpdir(), 'cube-plan-'));
  const layout = join(dir, 'layout');
  const v1 = await putImage(layout, [{ tar: await buildTar([{ name: 'bin/sh', content: 'sh', mode: 0o755 }]) }], { Env: ['PATH=/bin'] });
  const v2 = await putImage(layout, [{ tar: await buildTar([{ name: 'bin/sh', content: 'sh2', mode: 0o755 }]) }], { Env: ['PATH=/bin'] });
  // `multi`: a nested index with an amd64 and an arm64 image; `other`: one ppc64le image alone.
  const amd64 = await putImage(layout, [{ tar: await buildTar([{ name: 'bin/sh', content: 'sh-amd64', mode: 0o755 }]) }], { Env: ['PATH=/bin'] });
  const arm64 = await putImage(layout, [{ tar: await buildTar([{ name: 'bin/sh', content: 'sh-arm64', mode: 0o755 }]) }], { Env: ['PATH=/bin'] }, { os: 'linux', architecture: 'arm64' });
  const multi = await putBlob(layout, JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [amd64, arm64] }));
  const other = await putImage(layout, [{ tar: await buildTar([{ name: 'bin/sh', content: 'sh-ppc', mode: 0o755 }]) }], {}, { os: 'linux', architecture: 'ppc64le' });
  await putIndex(layout, [
    { ...v1, ...tagged('v1') },
    { ...v2, ...tagged('v2') },
    { mediaType: 'application/vnd.oci.image.index.v1+json', ...multi, ...tagged('multi') },
    { ...other, ...tagged('other') },
  ]);
  const project: Project = {
    dir,
    cacheDir: join(dir, '.cache'),
    async write(path, content, mode = 0o644) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content, { mode });
      await settle(join(dir, path));
    },
    async plan(text, options = {}) {
      const file = options.yaml ? 'cube.yaml' : 'Cubefile';
      await writeFile(join(dir, file), text);
      const parsed = options.yaml ? parseCubeYaml(text, { path: file }) : parseCubefile(text, { path: file });
      if (!parsed.spec) throw new Error(`fixture does not parse: ${JSON.stringify(parsed.diagnostics)}`);
      return planBuild({
        spec: parsed.spec,
        spans: parsed.spans,
        buildFile: join(dir, file),
        contextDir: dir,
        ...(options.envdFlag !== undefined ? { envdPathFlag: options.envdFlag } : {}),
        ...(options.envdMaxSize !== undefined ? { envdMaxSize: options.envdMaxSize } : {}),
        env: options.env ?? {},
        resolver: createImageSources({ cacheDir: join(dir, '.cache') }).resolver,
        cacheDir: join(dir, '.cache'),
        lock: options.lock ?? 'refresh',
        ...(options.platform ? { platform: options.platform } : {}),
      });
    },
  };
  await project.write('envd', elfWith('envd-binary-v1'), 0o755);
  await project.write('app/main.py', 'print("hi")\n');
  await project.write('app/lib/util.py', 'x = 1\n');
  return project;
}
