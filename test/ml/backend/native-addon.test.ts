import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultAddonFile } from '../../../src/ml/backend/native/addon.ts';
import { fastBackends } from './compare.ts';

const probe = fileURLToPath(new URL('../../fixtures/native-probe.ts', import.meta.url));
const nativeSkip = fastBackends().find((b) => b.backend === 'native')!.skip;
const hasTfjsNode = await import('@tensorflow/tfjs-node' as string).then(
  () => true,
  () => false,
);
const fallback = hasTfjsNode ? 'tensorflow' : 'wasm';

interface Probe {
  native: { backend?: string; userError?: string };
  auto: string;
  notice: string | null;
}

/** The probe in a fresh process with FASHION_NATIVE_ADDON set; it must exit cleanly (no native crash). */
function runProbe(addonFile: string): Probe {
  const out = execFileSync(process.execPath, ['--import', 'tsx', probe], {
    env: { ...process.env, FASHION_NATIVE_ADDON: addonFile },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = out.trim().split('\n');
  assert.equal(lines.length, 1, `the probe printed more than its result: ${out}`);
  return JSON.parse(lines[0]!) as Probe;
}

function withTempDir<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'native-addon-'));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the built addon starts backend native, and auto picks it', { skip: nativeSkip }, () => {
  const r = runProbe(defaultAddonFile);
  assert.deepEqual(r, { native: { backend: 'native' }, auto: 'native', notice: null });
});

test('a shared library missing at run time: one line naming it, and auto falls back', { skip: nativeSkip }, () => {
  withTempDir((dir) => {
    // The same addon, with its dependency renamed to a library no machine has: exactly what a
    // machine without libdnnl (or with another soname of it) looks like when the addon loads.
    const bytes = readFileSync(defaultAddonFile);
    const from = Buffer.from('libdnnl.so.2');
    const at = bytes.indexOf(from);
    assert.ok(at >= 0, 'the addon does not name libdnnl.so.2');
    Buffer.from('libdnnX.so.2').copy(bytes, at);
    const copy = path.join(dir, 'fashion_native.node');
    writeFileSync(copy, bytes);
    const r = runProbe(copy);
    assert.match(r.native.userError ?? '', /^backend 'native': the native backend cannot load libdnnX\.so\.2 \(/);
    assert.match(r.native.userError ?? '', /apt-get install g\+\+ libdnnl-dev/);
    assert.doesNotMatch(r.native.userError ?? '', /\n/);
    assert.equal(r.auto, fallback);
    assert.match(r.notice ?? '', /^backend auto: not using native: .*libdnnX\.so\.2/);
  });
});

test('a broken addon file and a missing one are one line each, never a crash', () => {
  withTempDir((dir) => {
    const broken = path.join(dir, 'broken.node');
    writeFileSync(broken, 'not an ELF file\n'.repeat(300));
    const b = runProbe(broken);
    assert.match(b.native.userError ?? '', /^backend 'native': the native backend cannot be loaded \(.*invalid ELF header\)/);
    assert.equal(b.auto, fallback);
    const m = runProbe(path.join(dir, 'missing.node'));
    assert.match(m.native.userError ?? '', /^backend 'native': the native backend is not built \(.*missing\.node is missing\); to enable it: /);
    assert.match(m.notice ?? '', /^backend auto: not using native: the native backend is not built/);
  });
});

test('Identity on native shares the data: a clone outlives its original, and nothing leaks', { skip: nativeSkip }, async () => {
  const tf = await import('@tensorflow/tfjs');
  const { initBackend } = await import('../../../src/ml/backend/index.ts');
  const { checkRuns } = await import('./compare.ts');
  await initBackend('native');
  const dataIds = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
  const before = { tensors: tf.memory().numTensors, data: dataIds() };
  const values = Float32Array.from({ length: 24 }, (_, i) => i - 7.5);
  await checkRuns('native', 'Identity', async () => {
    const x = tf.tensor(values, [2, 3, 4]);
    const y = x.clone();
    x.dispose();
    assert.deepEqual(y.dataSync(), values);
    y.dispose();
  });
  assert.deepEqual({ tensors: tf.memory().numTensors, data: dataIds() }, before);
});
