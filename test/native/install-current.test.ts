/**
 * The install script (`npm ci`, `npm link`, `npx pipeline` all run it) leaves a current build
 * alone: it used to delete native/build and compile again every time, 14-20 s for a first
 * `npx pipeline`. Run on a copy of native/, so the repository's own addon is never touched.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { REPO } from '../helpers/project.ts';

const run = promisify(execFile);

describe('native install script', () => {
  let dir: string;
  const install = async (...args: string[]) => {
    const started = performance.now();
    const { stdout } = await run(process.execPath, [path.join(dir, 'native/install.mjs'), ...args], { cwd: dir, encoding: 'utf8' });
    return { line: stdout.trim(), seconds: (performance.now() - started) / 1000 };
  };
  const addon = () => stat(path.join(dir, 'native/build/Release/fashion_native.node'));

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'native-install-'));
    // The build resolves node-gyp and node-addon-api from the project's node_modules.
    await symlink(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
    // native/ as this checkout has it, its build included (npm ci built it; else the first install below does).
    await cp(path.join(REPO, 'native'), path.join(dir, 'native'), { recursive: true, filter: (src) => !src.endsWith('build.log') });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('is a no-op when the addon was built from the same inputs', async (t) => {
    const first = await install();
    if (!/^native backend: (built|up to date)/.test(first.line)) return t.skip(`no native build on this machine: ${first.line}`);
    const built = await addon();
    const again = await install();
    assert.match(again.line, /^native backend: up to date \(oneDNN [\d.]+; npm run build:native -- --force rebuilds it\)$/);
    const kept = await addon();
    assert.deepEqual([kept.ino, kept.mtimeMs], [built.ino, built.mtimeMs], 'the addon was rebuilt');
    assert.ok(again.seconds < 5, `took ${again.seconds.toFixed(1)} s`);
  });
});
