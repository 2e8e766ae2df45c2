/**
 * `cube push OUT REF[:TAG]` and `cube pull REF[:TAG|@DIGEST] OUT`: a build's output directory
 * (rootfs.ext4, launch.json, plan.json) published to a registry as one OCI artifact, and fetched
 * back verified into a directory that appears whole or not at all (src/executor/remote-cache).
 */
import { resolve } from 'node:path';
import { DiagnosticError } from '../../core/diagnostics/index.js';
import { shortDigest } from '../../core/digest.js';
import { createImageSources } from '../../executor/image/index.js';
import { pullTemplate, pushTemplate, repositoryText } from '../../executor/remote-cache/index.js';
import type { ChunkSource } from '../../executor/remote-cache/index.js';
import { loadArtifact } from '../../runner/index.js';
import { cacheDirOption, parseCommandArgs, usageError } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { ExitCode, exitCodeFor } from '../exit-codes.js';
import { commandOutput, outputOptions, outputUsage } from './output-options.js';
import type { CommandOutput } from './output-options.js';
import { registryTarget } from './registry-refs.js';
import type { RegistryTarget } from './registry-refs.js';
import { registryOptions } from './shared.js';

const common = `Options:
      --cache-dir DIR     cache directory (default $CUBE_CACHE_DIR): push reads there whether OUT's
                          image is, untouched, the one a build placed, and then does not hash it
      --insecure-registry HOST   allow plain HTTP to HOST[:PORT] (loopback always may; repeatable)
${outputUsage}
Credentials come from $REGISTRY_AUTH_FILE or $DOCKER_CONFIG/config.json (with credential
helpers), as for pulling base images. docs/remote-cache.md describes the artifact.
`;

const pushUsage = `Usage: cube push OUT REGISTRY/REPO[:TAG]

Publishes the build output directory OUT (rootfs.ext4, launch.json, plan.json, checked against
each other first) as one OCI artifact (artifactType application/vnd.cube.template.v1) tagged TAG
(default latest), and prints its digest (sha256:…) on stdout.

${common}`;

const pullUsage = `Usage: cube pull REGISTRY/REPO[:TAG|@DIGEST] OUT

Fetches a template cube push published into the directory OUT, verifying every blob and the
image against launch.json; OUT is replaced only once everything checked (nothing half-written on
failure). Prints the artifact's digest on stdout.

${common}`;

const options = {
  ...outputOptions,
  'cache-dir': { type: 'string' },
  'insecure-registry': { type: 'string', multiple: true },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof options>>['values'];

/** The repository as a chunk source, with the command's credentials and registry options. */
function sourceFor(command: string, context: CommandContext, values: Values, output: CommandOutput, target: RegistryTarget): { source: ChunkSource; cacheDir: string } {
  const cacheDir = cacheDirOption(context, values['cache-dir']);
  const images = createImageSources({ cacheDir, env: context.env, logger: output.logger, ...registryOptions(command, values) });
  return { source: { client: images.client(target.registry), repository: target.repository }, cacheDir };
}

/** Runs `work`, reporting its diagnostics through the command's output. */
async function reported(output: CommandOutput, work: () => Promise<ExitCode>): Promise<ExitCode> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof DiagnosticError)) throw error;
    output.report(error.diagnostics, error.sources);
    return exitCodeFor(error.diagnostics);
  }
}

async function push(args: readonly string[], context: CommandContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('push', args, options);
  if (positionals.length !== 2) throw usageError('push', 'pushArguments', {});
  const target = registryTarget('push', 'the reference', positionals[1] as string);
  if (target.digest !== undefined) throw usageError('push', 'pushDigest', { value: positionals[1] as string });
  const output = commandOutput('push', context, values);
  return reported(output, async () => {
    const { source, cacheDir } = sourceFor('push', context, values, output, target);
    const template = await loadArtifact(resolve(context.cwd, positionals[0] as string), cacheDir);
    const tag = target.tag ?? 'latest';
    const digest = await pushTemplate(source, template, tag);
    output.logger.info({ event: 'result', digest, ref: `${repositoryText(target)}:${tag}` }, `pushed ${template.dir} to ${repositoryText(target)}:${tag} (${shortDigest(digest)})`);
    context.stdout.write(`${digest}\n`);
    return ExitCode.ok;
  });
}

async function pull(args: readonly string[], context: CommandContext): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs('pull', args, options);
  if (positionals.length !== 2) throw usageError('pull', 'pullArguments', {});
  const target = registryTarget('pull', 'the reference', positionals[0] as string);
  const output = commandOutput('pull', context, values);
  return reported(output, async () => {
    const { source } = sourceFor('pull', context, values, output, target);
    const reference = target.digest ?? target.tag ?? 'latest';
    const where = `${repositoryText(target)}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`;
    const outDir = resolve(context.cwd, positionals[1] as string);
    const digest = await pullTemplate(source, reference, where, outDir);
    output.logger.info({ event: 'result', digest, ref: where }, `pulled ${where} into ${outDir} (${shortDigest(digest)})`);
    context.stdout.write(`${digest}\n`);
    return ExitCode.ok;
  });
}

/** `cube push`. */
export const pushCommand: Command = { usage: pushUsage, options, run: push };

/** `cube pull`. */
export const pullCommand: Command = { usage: pullUsage, options, run: pull };
