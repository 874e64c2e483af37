/**
 * The report's TensorBoard runs, loaded by TensorBoard itself (the pip package's event reader,
 * which `tensorboard --logdir` uses). Needs a Python with tensorboard: `.venv-tensorboard/` (made
 * by .ci/run) or $TENSORBOARD_PYTHON. Skipped without one, except when REQUIRE_TENSORBOARD=1 (CI).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { SCALAR_TAGS, writeTensorboardRuns } from '../../../src/ml/report/tensorboard/writer.ts';
import { reportFixture } from '../../fixtures/report-metrics.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const python = process.env.TENSORBOARD_PYTHON ?? path.join(REPO, '.venv-tensorboard/bin/python');
const available = existsSync(python);
const required = process.env.REQUIRE_TENSORBOARD === '1';

test(
  'TensorBoard loads every run with its four scalars per epoch, values and order intact',
  {
    skip: !available && !required ? `no Python with tensorboard at ${python} (set TENSORBOARD_PYTHON)` : false,
  },
  async () => {
    assert.ok(available, `REQUIRE_TENSORBOARD=1 but ${python} does not exist`);
    const { histories } = reportFixture({ epochs: 4 });
    const dir = await mkdtemp(path.join(tmpdir(), 'tb-real-'));
    const end = 1_700_000_000.5;
    await writeTensorboardRuns(dir, histories, end);
    const r = await execa(python, [path.join(REPO, 'test/fixtures/read_tensorboard.py'), dir]);
    const runs = JSON.parse(r.stdout) as Record<string, Record<string, Array<[number, number, number]>>>;
    assert.deepEqual(Object.keys(runs).sort(), histories.map((h) => h.id).sort());
    const field = { 'loss/train': 'train_loss', 'loss/val': 'val_loss', 'accuracy/train': 'train_accuracy', 'accuracy/val': 'val_accuracy' } as const;
    for (const h of histories) {
      const run = runs[h.id]!;
      assert.deepEqual(Object.keys(run).sort(), [...SCALAR_TAGS].sort(), h.id);
      for (const tag of SCALAR_TAGS) {
        const points = run[tag]!;
        assert.deepEqual(
          points.map((p) => p[0]),
          h.epochs.map((e) => e.epoch),
          `${h.id} ${tag} steps`,
        );
        for (const [k, e] of h.epochs.entries()) {
          // simple_value is a float32: equal to the history's number within float32 rounding.
          assert.ok(Math.abs(points[k]![1] - e[field[tag]]) <= 1e-6 * Math.max(1, Math.abs(e[field[tag]])), `${h.id} ${tag} epoch ${e.epoch}`);
        }
        assert.ok(Math.abs(points.at(-1)![2] - end) < 1e-3, 'the last epoch is stamped at the given wall time');
      }
    }
  },
);
