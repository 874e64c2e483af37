import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { BackendNameSchema, initBackend } from '../../../src/ml/backend/index.ts';
import { nativeStatus } from '../../../src/ml/backend/native/addon.ts';
import { isUserError } from '../../../src/pipeline/errors.ts';

const hasTfjsNode = await import('@tensorflow/tfjs-node' as string).then(
  () => true,
  () => false,
);

test('backend names are validated by the schema', () => {
  assert.equal(BackendNameSchema.parse('wasm'), 'wasm');
  assert.equal(BackendNameSchema.safeParse('webgl').success, false);
});

test('wasm and cpu start and report themselves', async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(await initBackend('cpu'), 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal(await initBackend('wasm', { threads: 2 }), 'wasm');
});

test('auto picks native when its addon loads, else tensorflow when installed, else wasm', async () => {
  const native = nativeStatus().ok;
  assert.equal(await initBackend('auto'), native ? 'native' : hasTfjsNode ? 'tensorflow' : 'wasm');
  assert.equal(tf.getBackend(), native ? 'wasm' : hasTfjsNode ? 'tensorflow' : 'wasm');
});

test('asking for tensorflow without tfjs-node is a user error', { skip: hasTfjsNode }, async () => {
  await assert.rejects(initBackend('tensorflow'), (e: unknown) => isUserError(e) && /tfjs-node/.test(e.message));
});
