/**
 * "Did you mean …?" for names the image does not have: users and groups from its /etc/passwd and
 * /etc/group, commands from the directories on its PATH. Added to the hint of the diagnostic the
 * launch checks and COPY --chown already give, so build and check say the same.
 */
import { buildCodes } from '../../core/diagnostics/codes-build.js';
import type { Diagnostic } from '../../core/diagnostics/index.js';
import { escapeName } from '../../core/names.js';
import { closest } from '../../core/suggest.js';
import type { FlattenedIndex } from '../flatten/index.js';
import type { AccountFiles, EffectiveProcess } from '../launch/index.js';
import { pathOf } from '../../core/image.js';
import { isExecutableFile, records, splitUserSpec, workloadArgv } from '../launch/index.js';

/** The names in an account file. */
function accountNames(text: string | undefined): string[] {
  return records(text).map((fields) => fields[0] as string);
}

function withHint(d: Diagnostic, near: string | undefined): Diagnostic {
  if (near === undefined) return d;
  return { ...d, hint: `did you mean "${escapeName(near)}"?${d.hint ? ` Otherwise ${d.hint}` : ''}` };
}

/** Adds the nearest user or group name of the image to an unknown user or group diagnostic. */
export function suggestAccount(d: Diagnostic, userSpec: string, accounts: AccountFiles): Diagnostic {
  const { user, group } = splitUserSpec(userSpec);
  if (d.code === buildCodes.unknownUser.code) return withHint(d, closest(user, accountNames(accounts.passwd)));
  if (d.code === buildCodes.unknownGroup.code && group !== undefined) return withHint(d, closest(group, accountNames(accounts.group)));
  return d;
}

/** The executables an image offers under `dir` (its direct entries that are executable). */
function executablesIn(index: FlattenedIndex, dir: string): string[] {
  const real = index.resolve(dir)?.path;
  if (real === undefined) return [];
  const prefix = real === '/' ? '/' : `${real}/`;
  return index
    .paths()
    .filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
    .filter((p) => isExecutableFile(index, p))
    .map((p) => p.slice(prefix.length));
}

/** Adds the nearest executable on the image's PATH (or in the named directory) to a workload-not-found diagnostic. */
export function suggestCommand(d: Diagnostic, process: EffectiveProcess, index: FlattenedIndex): Diagnostic {
  if (d.code !== buildCodes.workloadNotFound.code) return d;
  const name = workloadArgv(process.argv)[0] ?? '';
  const slash = name.lastIndexOf('/');
  if (slash !== -1) {
    const dir = name.startsWith('/') ? name.slice(0, slash) || '/' : `${process.cwd.replace(/\/$/, '')}/${name.slice(0, slash)}`;
    const near = closest(name.slice(slash + 1), executablesIn(index, dir));
    return withHint(d, near === undefined ? undefined : `${name.slice(0, slash + 1)}${near}`);
  }
  const dirs = pathOf(process.env).split(':').filter((dir) => dir.startsWith('/'));
  return withHint(d, closest(name, [...new Set(dirs.flatMap((dir) => executablesIn(index, dir)))]));
}
