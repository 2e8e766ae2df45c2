/**
 * Registry credentials as Docker and Podman keep them: `$REGISTRY_AUTH_FILE`, then
 * `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`) with `auths` (`auth` is
 * base64 `user:password`; `identitytoken` is an OAuth refresh token), `credHelpers` per
 * registry and a default `credsStore`, run as `docker-credential-<name> get`. Credentials are
 * only ever sent to the registry they belong to, and never logged.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/** A username and secret, or an identity (refresh) token. */
export type Credentials = { readonly username: string; readonly password: string } | { readonly identityToken: string };

interface ConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string; username?: string; password?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** The keys a registry may be filed under (Docker Hub has historical names). */
function keysFor(registry: string): string[] {
  const hub = ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1/'];
  return hub.includes(registry) ? hub : [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`];
}

async function readConfig(path: string): Promise<ConfigFile | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as ConfigFile;
  } catch {
    return undefined;
  }
}

async function fromHelper(helper: string, registry: string): Promise<Credentials | undefined> {
  for (const key of keysFor(registry)) {
    const result = await execa(`docker-credential-${helper}`, ['get'], { input: key, reject: false, timeout: 10_000 });
    if (result.exitCode !== 0) continue;
    try {
      const data = JSON.parse(result.stdout) as { Username?: string; Secret?: string };
      if (data.Username === '<token>' && data.Secret) return { identityToken: data.Secret };
      if (data.Username !== undefined && data.Secret !== undefined) return { username: data.Username, password: data.Secret };
    } catch {
      // A helper that prints something else has nothing for us.
    }
  }
  return undefined;
}

/** Looks up credentials for `registry` (host[:port]). */
export async function findCredentials(registry: string, env: Readonly<Record<string, string | undefined>>): Promise<Credentials | undefined> {
  const home = env.HOME ?? homedir();
  const files = [env.REGISTRY_AUTH_FILE, join(env.DOCKER_CONFIG ?? join(home, '.docker'), 'config.json')].filter((f): f is string => Boolean(f));
  for (const file of files) {
    const config = await readConfig(file);
    if (!config) continue;
    for (const key of keysFor(registry)) {
      const helper = config.credHelpers?.[key];
      if (helper) {
        const found = await fromHelper(helper, registry);
        if (found) return found;
      }
    }
    for (const key of keysFor(registry)) {
      const entry = config.auths?.[key];
      if (!entry) continue;
      if (entry.identitytoken) return { identityToken: entry.identitytoken };
      if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password };
      if (entry.auth) {
        const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
      }
    }
    if (config.credsStore) {
      const found = await fromHelper(config.credsStore, registry);
      if (found) return found;
    }
  }
  return undefined;
}
