#!/usr/bin/env node
// The command, from the single-module build of src/cli/main.ts (see scripts/bundle.js).
import { main } from '../dist/cli/bundle.js';

process.exitCode = await main(process.argv.slice(2));
