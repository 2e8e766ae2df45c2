/**
 * Platforms as OCI names them (`linux/amd64`, `linux/arm64/v8`): parsing with the aliases people
 * type (`x86_64`, `aarch64`), formatting, the host's own, and the comparison that decides whether
 * an image can run where it is meant to.
 */
import { arch } from 'node:os';
import type { Platform } from './build-spec.js';

const architectureAliases: Readonly<Record<string, string>> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', i386: '386', i686: '386' };

/** Parses `os/arch[/variant]` (lower case; common architecture aliases normalised), or undefined. */
export function parsePlatform(text: string): Platform | undefined {
  const match = /^([a-z0-9]+)\/([a-z0-9_-]+)(?:\/([a-z0-9.]+))?$/.exec(text);
  if (!match) return undefined;
  const architecture = match[2] as string;
  return { os: match[1] as string, architecture: architectureAliases[architecture] ?? architecture, ...(match[3] ? { variant: match[3] } : {}) };
}

/** Formats a platform as `os/arch[/variant]`. */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, ...(p.variant ? [p.variant] : [])].join('/');
}

/** The platform cube builds for when none is given: linux and the host's architecture. */
export function hostPlatform(): Platform {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return { os: 'linux', architecture: map[arch()] ?? arch() };
}

/**
 * Whether an image built for `actual` serves a build that wants `wanted`: same OS and
 * architecture, and the same variant when both name one (`arm64` without a variant is `v8`).
 */
export function platformSatisfies(actual: Platform, wanted: Platform): boolean {
  if (actual.os !== wanted.os || actual.architecture !== wanted.architecture) return false;
  if (wanted.variant === undefined || actual.variant === wanted.variant) return true;
  return actual.variant === undefined && wanted.architecture === 'arm64' && wanted.variant === 'v8';
}
