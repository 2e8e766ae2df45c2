/**
 * Image references as `FROM` takes them, normalised as Docker does (`python:3.12` is
 * `docker.io/library/python:3.12`), plus cube's local transports `oci-layout:DIR[:TAG|@DIGEST]`
 * and `docker-archive:FILE[:REF]`.
 */
import type { ImageRef } from '../core/build-spec.js';
import { DIGEST_PATTERN } from '../core/digest.js';
import type { Digest } from '../core/digest.js';

const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = DIGEST_PATTERN;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d+)?$|^\[[0-9a-fA-F:]+\](?::\d+)?$/;

/** A parsed reference or the reason it is malformed. */
export type RefResult = { readonly ok: true; readonly ref: ImageRef } | { readonly ok: false; readonly reason: string };

function splitDigest(text: string): { rest: string; digest?: Digest } | { error: string } {
  const at = text.lastIndexOf('@');
  if (at === -1) return { rest: text };
  const digest = text.slice(at + 1);
  if (!DIGEST.test(digest)) return { error: `"${digest}" is not a sha256 digest (sha256: and 64 lowercase hex digits)` };
  return { rest: text.slice(0, at), digest: digest as Digest };
}

function parseLayout(body: string): RefResult {
  const split = splitDigest(body);
  if ('error' in split) return { ok: false, reason: split.error };
  let dir = split.rest;
  let tag: string | undefined;
  const colon = dir.lastIndexOf(':');
  if (colon > dir.lastIndexOf('/')) {
    tag = dir.slice(colon + 1);
    dir = dir.slice(0, colon);
    if (!TAG.test(tag)) return { ok: false, reason: `"${tag}" is not a valid tag` };
  }
  if (dir === '') return { ok: false, reason: 'oci-layout: needs a directory' };
  return { ok: true, ref: { transport: 'oci-layout', dir, ...(tag !== undefined ? { tag } : {}), ...(split.digest ? { digest: split.digest } : {}) } };
}

function parseArchive(body: string): RefResult {
  const colon = body.indexOf(':');
  const file = colon === -1 ? body : body.slice(0, colon);
  const ref = colon === -1 ? undefined : body.slice(colon + 1);
  if (file === '') return { ok: false, reason: 'docker-archive: needs a file' };
  if (ref !== undefined && ref === '') return { ok: false, reason: 'the image name after the archive file is empty' };
  return { ok: true, ref: { transport: 'docker-archive', file, ...(ref !== undefined ? { ref } : {}) } };
}

function parseRegistry(text: string): RefResult {
  const split = splitDigest(text);
  if ('error' in split) return { ok: false, reason: split.error };
  let name = split.rest;
  let tag: string | undefined;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
    if (!TAG.test(tag)) return { ok: false, reason: `"${tag}" is not a valid tag (letters, digits, _ . -; at most 128)` };
  }
  const parts = name.split('/');
  let registry = 'docker.io';
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))) {
    if (!DOMAIN.test(first)) return { ok: false, reason: `"${first}" is not a valid registry host` };
    registry = first;
    parts.shift();
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = 'docker.io';
  if (parts.length === 0 || parts.some((p) => p === '')) return { ok: false, reason: 'the repository name is empty' };
  for (const part of parts) {
    if (!COMPONENT.test(part)) {
      return { ok: false, reason: part !== part.toLowerCase() ? `repository names must be lowercase ("${part}")` : `"${part}" is not a valid repository name component` };
    }
  }
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  return {
    ok: true,
    ref: { transport: 'registry', registry, repository: parts.join('/'), ...(tag !== undefined ? { tag } : {}), ...(split.digest ? { digest: split.digest } : {}) },
  };
}

/** Parses a registry reference as written: without a tag or digest it has neither (no `latest`). */
export function parseRegistryRef(text: string): RefResult {
  return text === '' ? { ok: false, reason: 'the reference is empty' } : parseRegistry(text);
}

/** Parses a `FROM` reference. A registry reference with neither tag nor digest gets `latest`. */
export function parseImageRef(text: string): RefResult {
  if (text === '') return { ok: false, reason: 'the reference is empty' };
  if (text.startsWith('oci-layout:')) return parseLayout(text.slice('oci-layout:'.length));
  if (text.startsWith('docker-archive:')) return parseArchive(text.slice('docker-archive:'.length));
  const result = parseRegistry(text);
  if (result.ok && result.ref.transport === 'registry' && result.ref.tag === undefined && result.ref.digest === undefined) {
    return { ok: true, ref: { ...result.ref, tag: 'latest' } };
  }
  return result;
}

/** Writes a reference back in its normalised text form. */
export function formatImageRef(ref: ImageRef): string {
  switch (ref.transport) {
    case 'registry':
      return `${ref.registry}/${ref.repository}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
    case 'oci-layout':
      return `oci-layout:${ref.dir}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
    case 'docker-archive':
      return `docker-archive:${ref.file}${ref.ref !== undefined ? `:${ref.ref}` : ''}`;
  }
}
