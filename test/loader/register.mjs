/**
 * The TypeScript loader of the test processes: `node --import ./test/loader/register.mjs`. tsx
 * costs each process it starts about 0.4 s of CPU (its hooks thread loads tsx, and its start waits
 * on it); npm test starts 120 test files and the unit tier 67, each a process. This loader only
 * strips types, one file at a time, with esbuild (the code is written for that: isolatedModules,
 * verbatimModuleSyntax, no enums or namespaces), and keeps what it made in node_modules/.cache/, so
 * a file already seen is not transformed again. Stack traces name the .ts lines, as under tsx.
 * execa and zod are imported as one prebuilt file each, and TensorFlow.js through require()
 * (hooks.mjs, BUNDLED and REQUIRED): with hooks, every module a process imports is a round trip to
 * the hooks thread, and those packages are hundreds of modules.
 * Anything else that runs TypeScript (the CLI from source, scripts in bench/) still uses tsx.
 */
import { register } from 'node:module';

process.setSourceMapsEnabled(true);
register('./hooks.mjs', import.meta.url);
// The engine imports stage sources as they are in this process, as under tsx (see
// src/pipeline/child/typescript-loader.ts): building their bundles is for processes without a loader.
globalThis[Symbol.for('pipeline.typescript-loader')] = true;
