/**
 * The launch manifest (`launch.json`): everything the platform needs to boot the sandbox. The zod
 * schema is the source of truth; `grammar/launch.schema.json` is generated from it.
 */
import { z } from 'zod';
import { digestSchema } from '../../core/digest.js';
import type { WorkloadIdentity } from '../../core/exec-as/index.js';
import { escapeName } from '../../core/names.js';
import { CUBE_VERSION } from '../../core/version.js';

const digest = digestSchema;
const port = z.number().int().min(1).max(65535);
const id = z.number().int().nonnegative();
const user = z
  .object({ uid: id, gid: id, additionalGids: z.array(id).describe('supplementary groups, as Docker resolves them from /etc/group') })
  .strict();
const milliseconds = z.number().int().nonnegative();

/**
 * The readiness probe's timing, as CubeSandbox's `cubemastercli tpl create-from-image --probe`
 * sets it: a probe every 500 ms, each given 1 s, for 30 s in all (60 failures), ready at the
 * first success.
 */
export const READINESS_TIMING = { initialDelayMs: 0, periodMs: 500, probeTimeoutMs: 1000, timeoutMs: 30_000, successThreshold: 1, failureThreshold: 60 } as const;

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
        user: user.describe('the user the platform starts the process as: root when the entrypoint is wrapped (envd runs as root)'),
      })
      .strict(),
    wrapped: z
      .object({
        by: z.literal('cube'),
        envd: z.object({ argv: z.array(z.string()).min(1), user, log: z.string().startsWith('/') }).strict(),
        workload: z.object({ argv: z.array(z.string()).min(1), user }).strict().describe('what the wrapper execs, and as whom (through exec-as when not root)'),
      })
      .strict()
      .optional()
      .describe('present when process.argv is already the envd wrapper: a platform that wraps at sandbox creation must not wrap again'),
    exposedPorts: z.array(z.object({ port, protocol: z.enum(['tcp', 'udp']) }).strict()),
    envd: z.object({ path: z.string().startsWith('/'), sha256: digest, port }).strict().optional(),
    readiness: z
      .object({
        method: z.literal('GET'),
        port,
        path: z.literal('/health'),
        expectStatus: z.literal(204),
        initialDelayMs: milliseconds,
        periodMs: milliseconds,
        probeTimeoutMs: milliseconds.describe('how long one probe may take'),
        timeoutMs: milliseconds.describe('how long the sandbox may take to become ready, in all'),
        successThreshold: z.number().int().min(1),
        failureThreshold: z.number().int().min(1),
      })
      .strict()
      .optional()
      .describe('present only when the entrypoint is wrapped, so envd is started'),
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
  readonly process: { readonly argv: readonly string[]; readonly env: readonly string[]; readonly cwd: string; readonly user: WorkloadIdentity };
  readonly expose: readonly { readonly port: number; readonly protocol: 'tcp' | 'udp' }[];
  readonly envd?: { readonly path: string; readonly sha256: string; readonly port: number };
  /** Set when `process.argv` is the wrapper: how it starts envd, and what it execs as whom. */
  readonly wrapped?: { readonly envdArgv: readonly string[]; readonly log: string; readonly workloadArgv: readonly string[]; readonly workloadUser: WorkloadIdentity };
}

const ROOT: WorkloadIdentity = { uid: 0, gid: 0, additionalGids: [] };
const userOf = (u: WorkloadIdentity) => ({ uid: u.uid, gid: u.gid, additionalGids: [...u.additionalGids] });

/**
 * Fills the manifest. envd's port joins the exposed ports (tcp), deduplicated and sorted by
 * port then protocol; a wrapped entrypoint (which starts envd) gets the `GET /health` → 204
 * readiness probe. Pure; the result is validated, so a bug upstream shows as a thrown zod error
 * rather than a bad file.
 */
export function buildLaunchManifest(input: LaunchManifestInput): LaunchManifest {
  const ports = new Map<string, { port: number; protocol: 'tcp' | 'udp' }>();
  for (const p of [...input.expose, ...(input.envd ? [{ port: input.envd.port, protocol: 'tcp' as const }] : [])]) {
    ports.set(`${p.port}/${p.protocol}`, { port: p.port, protocol: p.protocol });
  }
  const exposedPorts = [...ports.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
  // An image config can carry a byte that is not UTF-8 (a \udcXX escape); the platform reads UTF-8.
  const texts = (values: readonly string[]): string[] => values.map((value) => escapeName(value));
  return launchManifestSchema.parse({
    schemaVersion: 1,
    cubeVersion: CUBE_VERSION,
    producedBy: input.producedBy,
    planDigest: input.planDigest,
    image: { ...input.image },
    artifact: { ...input.artifact },
    process: { argv: texts(input.process.argv), env: texts(input.process.env), cwd: escapeName(input.process.cwd), user: userOf(input.process.user) },
    ...(input.wrapped
      ? {
          wrapped: {
            by: 'cube',
            envd: { argv: texts(input.wrapped.envdArgv), user: userOf(ROOT), log: input.wrapped.log },
            workload: { argv: texts(input.wrapped.workloadArgv), user: userOf(input.wrapped.workloadUser) },
          },
        }
      : {}),
    exposedPorts,
    ...(input.envd ? { envd: { ...input.envd } } : {}),
    ...(input.envd && input.wrapped ? { readiness: { method: 'GET', port: input.envd.port, path: '/health', expectStatus: 204, ...READINESS_TIMING } } : {}),
  });
}

/** The JSON Schema of `launch.json`, as stored in `grammar/launch.schema.json`. */
export function launchManifestJsonSchema(): string {
  return JSON.stringify(z.toJSONSchema(launchManifestSchema), null, 2) + '\n';
}
