/** cube's own version, read once from package.json (it is recorded in every launch manifest). */
import { readFileSync } from 'node:fs';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** The version of this cube. */
export const CUBE_VERSION: string = packageJson.version;
