/**
 * Rules about names: ARG and ENV names that look like secrets, and base images that name no
 * version (no tag, or `latest`) and so change under the template.
 */
import { createDiagnostic } from '../core/diagnostics/index.js';
import type { Diagnostic } from '../core/diagnostics/index.js';
import { lintCodes } from '../core/diagnostics/codes-lint.js';
import { parseImageRef } from '../parser/index.js';
import type { LintRule } from './lint-input.js';
import { instructionsOf } from './lint-input.js';

/** Words that name a secret on their own. */
const SECRET_WORDS = new Set(['secret', 'secrets', 'password', 'passwd', 'pwd', 'passphrase', 'token', 'apikey', 'credential', 'credentials', 'privatekey']);
/** Words that make a following `key` a secret one (`API_KEY`, `ACCESS_KEY`). */
const KEY_QUALIFIERS = new Set(['api', 'access', 'private', 'secret', 'signing', 'encryption', 'client', 'master']);
/** Last words that make the variable a pointer to a secret or a name for it, not the secret. */
const NOT_THE_SECRET = new Set(['file', 'path', 'dir', 'name', 'id', 'url', 'endpoint', 'env', 'type']);

/** The words of a variable name: `AWS_SECRET_ACCESS_KEY`, `apiKey`, `db-password` → lower-case words. */
function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/** Whether a variable name looks like it holds a secret. */
export function looksSecret(name: string): boolean {
  const words = nameWords(name);
  const last = words[words.length - 1];
  if (last === undefined || NOT_THE_SECRET.has(last)) return false;
  return words.some((w, i) => SECRET_WORDS.has(w) || (w === 'key' && i > 0 && KEY_QUALIFIERS.has(words[i - 1] as string)));
}

/** ARG and ENV names that look like secrets. */
export const secretNames: LintRule = (input) => {
  const out: Diagnostic[] = [];
  for (const arg of instructionsOf(input.document, 'arg')) {
    if (!looksSecret(arg.name.text)) continue;
    out.push(createDiagnostic(lintCodes.secretName, arg.default ? 'argDefault' : 'arg', { name: arg.name.text }, { span: arg.name.span }));
  }
  for (const env of instructionsOf(input.document, 'env')) {
    for (const pair of env.pairs) {
      if (!looksSecret(pair.name.text)) continue;
      out.push(createDiagnostic(lintCodes.secretName, 'env', { name: pair.name.text }, { span: pair.name.span }));
    }
  }
  // cube.yaml writes each ARG twice (before and after FROM); report each name once.
  return out.filter((d, i) => out.findIndex((o) => o.span?.start === d.span?.start) === i);
};

/** A registry base image with no tag or digest, or the `latest` tag without a digest. */
export const baseImageVersion: LintRule = (input) => {
  const [from] = instructionsOf(input.document, 'from');
  if (!from) return [];
  const written = from.image.text;
  // The reference as written when it has no variables (so this works on a file with errors too).
  const parsed = written.includes('$') ? undefined : parseImageRef(written);
  const image = parsed?.ok ? parsed.ref : input.spec?.from.image;
  if (!image || image.transport !== 'registry' || image.digest !== undefined || image.tag !== 'latest') return [];
  // The parser gives a reference without a tag `latest`; the text says whether it was written.
  const tagWritten = written.includes('$') || written.slice(written.lastIndexOf('/') + 1).includes(':');
  const name = image.registry === 'docker.io' ? image.repository.replace(/^library\//, '') : `${image.registry}/${image.repository}`;
  if (!tagWritten) {
    return [createDiagnostic(lintCodes.imageNoTag, 'noTag', { written, name }, { span: from.image.span })];
  }
  return [createDiagnostic(lintCodes.imageLatestTag, 'latest', { written, name }, { span: from.image.span })];
};
