/**
 * The effective process, computed as Docker does from the image config and the spec's launch
 * settings: a spec ENTRYPOINT replaces the image's and clears its inherited CMD; shell form runs
 * as `/bin/sh -c`; environment merges by name (spec wins, first-definition order kept).
 */
import type { CommandSpec, LaunchSpec } from '../../core/build-spec.js';
import type { ImageConfig } from '../../core/image.js';

/** What the container would run, before wrapping. */
export interface EffectiveProcess {
  readonly argv: readonly string[];
  /** `NAME=value` entries. */
  readonly env: readonly string[];
  readonly cwd: string;
  /** As written (`name[:group]` or numeric); empty means root. */
  readonly user: string;
}

function commandArgv(command: CommandSpec): string[] {
  return command.form === 'exec' ? [...command.argv] : ['/bin/sh', '-c', command.command];
}

/** Merges `NAME=value` lists: later values replace earlier ones in place. */
export function mergeEnv(base: readonly string[], overrides: readonly { name: string; value: string }[]): string[] {
  const order: string[] = [];
  const values = new Map<string, string>();
  const set = (name: string, value: string): void => {
    if (!values.has(name)) order.push(name);
    values.set(name, value);
  };
  for (const entry of base) {
    const i = entry.indexOf('=');
    if (i === -1) set(entry, '');
    else set(entry.slice(0, i), entry.slice(i + 1));
  }
  for (const { name, value } of overrides) set(name, value);
  return order.map((name) => `${name}=${values.get(name) ?? ''}`);
}

/** Computes the effective process from the image config and the spec. Cannot fail. */
export function effectiveProcess(image: ImageConfig, launch: LaunchSpec): EffectiveProcess {
  const entrypoint = launch.entrypoint ? commandArgv(launch.entrypoint) : [...(image.entrypoint ?? [])];
  let cmd: string[];
  if (launch.cmd) cmd = commandArgv(launch.cmd);
  else if (launch.entrypoint) cmd = [];
  else cmd = [...(image.cmd ?? [])];
  return {
    argv: [...entrypoint, ...cmd],
    env: mergeEnv(image.env, launch.env),
    cwd: launch.workdir ?? (image.workingDir || '/'),
    user: launch.user ?? image.user ?? '',
  };
}
