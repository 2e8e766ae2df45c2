/**
 * chevrotain, loaded from the single-file ES module build the package ships: its package entry
 * is hundreds of small modules (lodash-es among them), which costs a quarter of a second at every
 * start of `cube`; the bundle loads in a tenth of that. Falls back to the package entry if the
 * bundle is missing.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Chevrotain = typeof import('chevrotain');

async function load(): Promise<Chevrotain> {
  const entry = createRequire(import.meta.url).resolve('chevrotain');
  const bundle = join(dirname(entry), '..', 'chevrotain.mjs');
  return (await import(existsSync(bundle) ? pathToFileURL(bundle).href : 'chevrotain')) as Chevrotain;
}

const chevrotain = await load();

/** chevrotain's API, as the parser uses it. */
export const { createToken, CstParser, Lexer, createSyntaxDiagramsCode } = chevrotain;
