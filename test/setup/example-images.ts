/**
 * Vitest global setup: makes the example base images and the stand-in envd once per test run,
 * into a fresh temporary directory (never into the repository), and removes them afterwards.
 * Each run has its own directory, so concurrent runs never share or race on one.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The directory holding `oci/` (tags base, python, node) and `envd`. */
    exampleImages: string;
  }
}

/** Makes the images and hands their directory to every test file. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'cube-example-images-'));
  const script = join(import.meta.dirname, '..', '..', 'examples', 'images', 'make-images.js');
  const made = await execa('node', [script, '--out', dir], { reject: false, all: true });
  if (made.exitCode !== 0) throw new Error(`the example images could not be made:\n${made.all}`);
  project.provide('exampleImages', dir);
  return () => rm(dir, { recursive: true, force: true });
}
