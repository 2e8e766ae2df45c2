/**
 * The launch manifest (`launch.json`): everything the platform needs to boot the sandbox. The zod
 * schema is the source of truth; `grammar/launch.schema.json` is generated from it.
 */
import { z } from 'zod';
import { CUBE_VERSION } from '../../core/version.js';

const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/);
const port = z.number().int().min(1).max(65535);

/** The zod schema of `launch.json`, version 1. */
export const launchManifestSchema = z
  .object({
    schemaVersion: z.literal(1),
    cubeVersion: z.string(),
    producedBy: digest.describe('id of the plan node that produced this manifest'),
    planDigest: digest,
    image: z.object({ ref: z.string(), digest }).strict(),
    artifact: z
      .object({
        path: z.string(),
        sha256: digest,
        size: z.number().int().nonnegative(),
        filesystemUuid: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      })
      .strict(),
    process: z
      .object({
        argv: z.array(z.string()).min(1),
        env: z.array(z.string()),
        cwd: z.string().startsWith('/'),
        user: z.object({ uid: z.number().int().nonnegative(), gid: z.number().int().nonnegative() }).strict(),
      })
      .strict(),
    exposedPorts: z.array(z.object({ port, protocol: z.enum(['tcp', 'udp']) }).strict()),
    envd: z.object({ path: z.string().startsWith('/'), sha256: digest, port }).strict().optional(),
    readiness: z
      .object({ method: z.literal('GET'), port, path: z.literal('/health'), expectStatus: z.literal(204) })
      .strict()
      .optional(),
  })
  .strict();

/** A launch manifest. */
export type LaunchManifest = z.infer<typeof launchManifestSchema>;

/** Inputs of {@link buildLaunchManifest}, all already computed elsewhere. */
export interface LaunchManifestInput {
  readonly producedBy: string;
  readonly planDigest: string;
  readonly image: { readonly ref: string; readonly digest: string };
  readonly artifact: { readonly path: string; readonly sha256: string; readonly size: number; readonly filesystemUuid: string };
  readonly process: { readonly argv: readonly string[]; readonly env: readonly string[]; readonly cwd: string; readonly uid: number; readonly gid: number };
  readonly expose: readonly { readonly port: number; readonly protocol: 'tcp' | 'udp' }[];
  readonly envd?: { readonly path: string; readonly sha256: string; readonly port: number };
}

/**
 * Fills the manifest. envd's port joins the exposed ports (tcp), deduplicated and sorted by
 * port then protocol, and gets the `GET /health` → 204 readiness probe. Pure; the result is
 * validated, so a bug upstream shows as a thrown zod error rather than a bad file.
 */
export function buildLaunchManifest(input: LaunchManifestInput): LaunchManifest {
  const ports = new Map<string, { port: number; protocol: 'tcp' | 'udp' }>();
  for (const p of [...input.expose, ...(input.envd ? [{ port: input.envd.port, protocol: 'tcp' as const }] : [])]) {
    ports.set(`${p.port}/${p.protocol}`, { port: p.port, protocol: p.protocol });
  }
  const exposedPorts = [...ports.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
  return launchManifestSchema.parse({
    schemaVersion: 1,
    cubeVersion: CUBE_VERSION,
    producedBy: input.producedBy,
    planDigest: input.planDigest,
    image: { ...input.image },
    artifact: { ...input.artifact },
    process: { argv: [...input.process.argv], env: [...input.process.env], cwd: input.process.cwd, user: { uid: input.process.uid, gid: input.process.gid } },
    exposedPorts,
    ...(input.envd
      ? {
          envd: { ...input.envd },
          readiness: { method: 'GET', port: input.envd.port, path: '/health', expectStatus: 204 },
        }
      : {}),
  });
}

/** The JSON Schema of `launch.json`, as stored in `grammar/launch.schema.json`. */
export function launchManifestJsonSchema(): string {
  return JSON.stringify(z.toJSONSchema(launchManifestSchema), null, 2) + '\n';
}
