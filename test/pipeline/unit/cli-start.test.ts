/**
 * What `pipeline --version` or `pipeline help` loads before it answers. The runner is one
 * CommonJS file (bin/engine-bundle.js) whose modules initialise when first used, and each
 * command's handler is imported when it runs, so the npm packages a command needs (the S3 client,
 * BullMQ, listr2, Vega, esbuild) load only when that command runs: a bundle that initialised
 * every module loaded all of them on every start. Counted in a real CLI process, by a hook on
 * node's require() and on the runner's import().
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { CLI } from '../../../fixtures/repo.ts';

/** Preloaded into the CLI process: writes the packages it loaded (bare specifiers) to $LOADED. */
const HOOK = `
const Module = require('node:module');
const fs = require('node:fs');
const seen = new Set();
const bare = (s) => typeof s === 'string' && !s.startsWith('node:') && !Module.isBuiltin(s) && !/^[./]|^file:/.test(s);
const load = Module._load;
Module._load = function (request, ...rest) {
  if (bare(request)) seen.add(request);
  return load.call(this, request, ...rest);
};
const key = Symbol.for('pipeline.engine-import');
let runnerImport;
Object.defineProperty(globalThis, key, {
  configurable: true,
  set(f) { runnerImport = f; },
  get() { return runnerImport && ((s) => { if (bare(s)) seen.add(s); return runnerImport(s); }); },
});
process.on('exit', () => fs.writeFileSync(process.env.LOADED, JSON.stringify([...seen])));
`;

describe('CLI start-up', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cli-start-'));
    await writeFile(path.join(dir, 'hook.cjs'), HOOK);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** The packages `pipeline ARGS` loaded (whatever its exit status: what it loads is the point). */
  async function loaded(...args: string[]): Promise<string[]> {
    const out = path.join(dir, 'loaded.json');
    const r = await execa(process.execPath, ['--require', path.join(dir, 'hook.cjs'), CLI, ...args], { cwd: dir, env: { LOADED: out }, reject: false });
    assert.ok(r.exitCode === 0 || r.exitCode === 2, r.stderr);
    return JSON.parse(await readFile(out, 'utf8')) as string[];
  }

  it('--version, help and status of an empty project load no npm package; the hook sees what a command does load', async () => {
    assert.deepEqual(await loaded('--version'), []);
    assert.deepEqual(await loaded('help'), []);
    await writeFile(path.join(dir, 'pipeline.yaml'), 'stages: {}\n');
    assert.deepEqual(await loaded('status'), []);
    // exp show writes its table with csv-stringify, from node_modules: the hook counts a real load.
    assert.ok((await loaded('exp', 'show')).includes('csv-stringify/sync'));
  });
});
