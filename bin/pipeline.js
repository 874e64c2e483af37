#!/usr/bin/env node
// The `pipeline` command: runs the bundled runner (rebuilt from src/pipeline/ when it changed).
// Stage modules stay TypeScript, loaded through tsx only when they must be imported, so a user
// edits a .ts stage and runs it, with no build step to forget.
import { loadEngine } from './engine-bundle.js';

const { main, saveCache } = await loadEngine(process.argv[2]);
process.exitCode = await main(process.argv.slice(2));
saveCache();
