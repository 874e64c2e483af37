#!/usr/bin/env node
// The `pipeline` command. Stage modules and the runner are TypeScript, loaded through tsx so a
// user edits a .ts file and runs it, with no build step to forget.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/pipeline/cli.ts');
process.exitCode = await main(process.argv.slice(2));
