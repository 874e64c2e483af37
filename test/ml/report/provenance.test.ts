import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir, availableParallelism } from 'node:os';
import path from 'node:path';
import { collectProvenance } from '../../../src/ml/report/provenance.ts';
import { GRADCHECK_FRAGMENT, reportFixture } from '../../fixtures/report-metrics.ts';

const fx = reportFixture({ epochs: 2 });
const inputs = {
  gradcheck: fx.gradcheck,
  theory: fx.theory,
  summary: fx.summary,
  histories: fx.histories,
  ignoredHistories: [],
  fragments: { gradcheck: GRADCHECK_FRAGMENT, theory: undefined },
};

test('the footer hashes pipeline.lock when there is one, and copes when there is none', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'prov-'));
  const now = new Date('2026-01-02T03:04:05Z');
  const without = await collectProvenance(root, 'npm run pipeline', inputs, now);
  assert.equal(without.lockSha256, undefined);
  await writeFile(path.join(root, 'pipeline.lock'), 'version: 1\n');
  const withLock = await collectProvenance(root, 'npm run pipeline', inputs, now);
  assert.equal(withLock.lockSha256, createHash('sha256').update('version: 1\n').digest('hex'));
  assert.equal(withLock.generatedAt, '2026-01-02T03:04:05.000Z');
  assert.equal(withLock.cores, availableParallelism());
  assert.deepEqual(withLock.backends, ['wasm']);
  assert.equal(withLock.seeds[0]!.seed, 7);
  assert.equal(withLock.seeds.filter((s) => s.what === 'training').length, 13);
});

test('package versions come from node_modules; absent optional packages read as undefined', async () => {
  const p = await collectProvenance(tmpdir(), 'x', inputs, new Date());
  const v = Object.fromEntries(p.packages.map((x) => [x.name, x.version]));
  assert.match(v.vega ?? '', /^6\./);
  assert.match(v['vega-lite'] ?? '', /^6\./);
  assert.ok('@tensorflow/tfjs-node' in v);
});
