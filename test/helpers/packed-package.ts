/**
 * The package as a user gets it: the sources copied into a temporary directory (node_modules
 * linked), packed there with `npm pack` (which builds it through `prepare`), and the tarball
 * installed into a consumer project whose other dependencies are linked from this checkout's.
 * Nothing is written into the repository.
 */
import { cp, mkdir, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { repoRoot } from './example-images.js';

/** What the package needs to build itself. */
const SOURCES = ['package.json', 'package-lock.json', 'bin', 'src', 'scripts', 'grammar', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.types.json'];

/** Packs the package under `work/source`; returns the tarball's path and the files it holds. */
export async function packPackage(work: string): Promise<{ readonly tarball: string; readonly files: readonly string[] }> {
  const source = join(work, 'source');
  await mkdir(source, { recursive: true });
  for (const entry of SOURCES) await cp(join(repoRoot, entry), join(source, entry), { recursive: true });
  await symlink(join(repoRoot, 'node_modules'), join(source, 'node_modules'));
  const { stdout } = await execa('npm', ['pack', '--json', '--pack-destination', work], { cwd: source, env: { npm_config_update_notifier: 'false' } });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  if (!packed) throw new Error(`npm pack reported nothing: ${stdout}`);
  return { tarball: join(work, packed.filename), files: packed.files.map((f) => f.path) };
}

/**
 * Installs `tarball` as `node_modules/<name>` of the project `dir`, and links every other
 * package from this checkout's node_modules (the registry is not needed).
 */
export async function installTarball(tarball: string, dir: string, name: string): Promise<string> {
  const modules = join(dir, 'node_modules');
  const target = join(modules, name);
  await mkdir(target, { recursive: true });
  await execa('tar', ['xzf', tarball, '-C', target, '--strip-components=1']);
  for (const entry of await readdir(join(repoRoot, 'node_modules'))) {
    if (entry === name || entry.startsWith('.')) continue;
    await symlink(join(repoRoot, 'node_modules', entry), join(modules, entry));
  }
  return target;
}
