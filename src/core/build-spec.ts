/**
 * The BuildSpec: the typed, validated meaning of a Cubefile or cube.yaml, handed from the parser
 * to the planner. A Cubefile and its YAML twin produce deep-equal BuildSpecs, so nothing here
 * depends on the surface syntax: variables are already substituted, relative paths inside the
 * image are already resolved against WORKDIR, and source positions live beside the spec in a
 * {@link SpanTable}, never in it.
 */
import type { Digest } from './digest.js';
import type { Span } from './diagnostics/diagnostic.js';

/** The in-image path envd is written to unless `INJECT envd TO` says otherwise. */
export const DEFAULT_ENVD_IMAGE_PATH = '/usr/local/bin/envd';

/** The port envd listens on unless `INJECT envd PORT` says otherwise. */
export const DEFAULT_ENVD_PORT = 49983;

/** The host path envd is read from when no flag, Cubefile PATH or environment variable names one. */
export const DEFAULT_ENVD_HOST_PATH = '/usr/local/share/cubesandbox-envd/envd';

/** The environment variable that names the host envd binary. */
export const ENVD_PATH_VARIABLE = 'CUBE_ENVD_PATH';

/** An OS/architecture pair as OCI writes it (`linux/amd64`, `linux/arm64/v8`). */
export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

/**
 * A base image reference. Registry references are normalised as Docker does:
 * `python:3.12` is `{registry: 'docker.io', repository: 'library/python', tag: '3.12'}`.
 * Local paths stay as written (relative to the build context) so plans are the same on every
 * machine; the planner resolves them.
 */
export type ImageRef =
  | {
      readonly transport: 'registry';
      readonly registry: string;
      readonly repository: string;
      readonly tag?: string;
      readonly digest?: Digest;
    }
  | { readonly transport: 'oci-layout'; readonly dir: string; readonly tag?: string; readonly digest?: Digest }
  | { readonly transport: 'docker-archive'; readonly file: string; readonly ref?: string };

/** `FROM`: the base image and the platform to select from a multi-platform index. */
export interface FromSpec {
  readonly image: ImageRef;
  readonly platform?: Platform;
}

/** `INJECT envd`: a host binary baked into the rootfs. */
export interface InjectSpec {
  readonly name: 'envd';
  /** Host path as written in the Cubefile (`PATH`); absent when the flag/env/default decides. */
  readonly hostPath?: string;
  /** Absolute in-image path (`TO`): the single source of truth for where envd lives. */
  readonly imagePath: string;
  readonly port: number;
  /** Extra argv for envd (`ARGS`), one element per argument, after the flags cube passes. */
  readonly args: readonly string[];
  /** `FIRECRACKER`: the sandbox runs in Firecracker, so envd is not given `-isnotfc`. */
  readonly firecracker?: true;
}

/** An owner as written in `--chown`: numeric ids or names resolved against the image at build time. */
export interface Chown {
  readonly user: string;
  readonly group?: string;
}

/** A filesystem-changing step, in Cubefile order. */
export type FsStep =
  | {
      readonly kind: 'copy';
      /** Paths relative to the build context, as written (after substitution). */
      readonly sources: readonly string[];
      /** Absolute in-image destination; a trailing `/` means "into this directory". */
      readonly dest: string;
      readonly chown?: Chown;
      /** Permission bits from `--chmod` (0–0o7777). */
      readonly chmod?: number;
    }
  | { readonly kind: 'workdir'; readonly path: string };

/** A command as written: exec form keeps argv, shell form keeps the string for `/bin/sh -c`. */
export type CommandSpec =
  | { readonly form: 'exec'; readonly argv: readonly string[] }
  | { readonly form: 'shell'; readonly command: string };

/** One `EXPOSE`d port. */
export interface PortSpec {
  readonly port: number;
  readonly protocol: 'tcp' | 'udp';
}

/** A name/value pair, in the order first defined (later definitions override the value). */
export interface NameValue {
  readonly name: string;
  readonly value: string;
}

/** Image configuration that changes how the sandbox starts, never the filesystem. */
export interface LaunchSpec {
  readonly env: readonly NameValue[];
  readonly labels: readonly NameValue[];
  /** The last WORKDIR, absolute. */
  readonly workdir?: string;
  readonly user?: string;
  readonly expose: readonly PortSpec[];
  readonly entrypoint?: CommandSpec;
  readonly cmd?: CommandSpec;
  /** `ENTRYPOINT wrap`: start envd beside the effective entrypoint + cmd. */
  readonly wrap: boolean;
}

/** `SEAL ext4`: artifact options. Sizes are bytes. */
export interface SealSpec {
  readonly format: 'ext4';
  /** A fixed image size (`SIZE`); exclusive with `free`. */
  readonly size?: number;
  /** Headroom added to the space the content needs (`FREE`). */
  readonly free?: number;
  readonly journal: boolean;
  readonly metadataCsum: boolean;
  readonly dirIndex: boolean;
  /** Store all-zero blocks of file data as holes (`holes`). */
  readonly holes?: boolean;
  /** Filesystem volume label (at most 16 bytes). */
  readonly label?: string;
}

/** The seal used when a Cubefile has no `SEAL` instruction. */
export const DEFAULT_SEAL: SealSpec = { format: 'ext4', journal: false, metadataCsum: false, dirIndex: false };

/** The whole typed build description. */
export interface BuildSpec {
  readonly version: 1;
  readonly from: FromSpec;
  readonly inject?: InjectSpec;
  readonly steps: readonly FsStep[];
  readonly launch: LaunchSpec;
  readonly seal: SealSpec;
}

/**
 * Source positions of spec parts, keyed by a JSON pointer into the BuildSpec
 * (`/from`, `/inject`, `/inject/hostPath`, `/steps/2`, `/launch/cmd`, `/seal`). Kept apart from
 * the spec so formatting and comments never change it or anything hashed from it.
 */
export type SpanTable = ReadonlyMap<string, Span>;
