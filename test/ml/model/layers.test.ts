import { test } from 'node:test';
import assert from 'node:assert/strict';
import { architectureLayers, parseArchitecture, planLayers } from '../../../src/ml/model/index.ts';
import type { Shape } from '../../../src/ml/model/index.ts';
import { isUserError } from '../../../src/pipeline/errors.ts';

function plan(arch: unknown) {
  return planLayers(architectureLayers(parseArchitecture(arch)));
}

function sizes(shapes: Shape[]): string[] {
  return shapes.map((s) => (s.kind === 'volume' ? `${s.h}x${s.w}x${s.c}` : `${s.size}`));
}

test('table2 with pool (2,2,0) and BatchNorm: shapes and PyTorch parameter count', () => {
  const p = plan({ kind: 'table2', pool: { kernel: 2, stride: 2, padding: 0 }, dropout: 0.3, batchnorm: true });
  const pools = p.filter((l) => l.layer.type === 'maxpool').map((l) => l.output);
  assert.deepEqual(sizes(pools), ['14x14x32', '7x7x32', '3x3x64']);
  // conv 832 + bn 64 + conv 25632 + bn 64 + conv 51264 + bn 128 + dense 36928 + bn 128 + dense 650
  assert.equal(
    p.reduce((s, l) => s + l.params, 0),
    115690,
  );
});

test('table2 with pool (4,3,1) goes 28 -> 9 -> 3 -> 1', () => {
  const p = plan({ kind: 'table2', pool: { kernel: 4, stride: 3, padding: 1 }, dropout: 0.5, batchnorm: false });
  const pools = p.filter((l) => l.layer.type === 'maxpool').map((l) => l.output);
  assert.deepEqual(sizes(pools), ['9x9x32', '3x3x32', '1x1x64']);
  assert.equal(
    p.reduce((s, l) => s + l.params, 0),
    832 + 25632 + 51264 + 4160 + 650,
  );
});

test('a custom network with every layer kind plans', () => {
  const p = plan({
    kind: 'custom',
    layers: [
      { type: 'conv', filters: 8, kernel: 3, padding: 1 },
      { type: 'batchnorm' },
      { type: 'relu' },
      { type: 'maxpool', kernel: 2 },
      { type: 'conv', filters: 16, kernel: [3, 3], stride: 2 },
      { type: 'avgpool', kernel: 2, stride: 1, padding: 1 },
      { type: 'dropout', rate: 0.2 },
      { type: 'globalavgpool' },
      { type: 'dense', units: 10 },
    ],
  });
  assert.deepEqual(sizes(p.map((l) => l.output)), ['28x28x8', '28x28x8', '28x28x8', '14x14x8', '6x6x16', '7x7x16', '7x7x16', '16', '10']);
});

function rejects(arch: unknown, pattern: RegExp): void {
  assert.throws(
    () => plan(arch),
    (e: unknown) => {
      assert.ok(isUserError(e), `expected a UserError, got ${String(e)}`);
      assert.match(e.message, pattern);
      return true;
    },
  );
}

test('impossible shapes are user errors naming the layer', () => {
  rejects(
    {
      kind: 'custom',
      layers: [
        { type: 'conv', filters: 4, kernel: 3 },
        { type: 'dense', units: 10 },
      ],
    },
    /layers\[1\] \(dense\).*flatten/,
  );
  rejects(
    {
      kind: 'custom',
      layers: [
        { type: 'maxpool', kernel: 4 },
        { type: 'maxpool', kernel: 4 },
        { type: 'maxpool', kernel: 4 },
        { type: 'flatten' },
        { type: 'dense', units: 10 },
      ],
    },
    /layers\[2\] \(maxpool\)/,
  );
  rejects({ kind: 'custom', layers: [{ type: 'flatten' }, { type: 'dense', units: 7 }] }, /dense layer of 10 units/);
  rejects(
    { kind: 'custom', layers: [{ type: 'flatten' }, { type: 'conv', filters: 2, kernel: 1 }, { type: 'dense', units: 10 }] },
    /layers\[1\] \(conv\).*vector/,
  );
  rejects({ kind: 'table2', pool: { kernel: 2, stride: 2, padding: 2 }, dropout: 0.1, batchnorm: true }, /maxpool/);
});

test('schema errors name the field', () => {
  rejects({ kind: 'custom', layers: [{ type: 'conv', filters: 0, kernel: 3 }] }, /architecture\.layers\.0\.filters/);
  rejects({ kind: 'table2', pool: { kernel: 2, stride: 2, padding: 0 }, dropout: 1.5, batchnorm: true }, /architecture\.dropout/);
  rejects({ kind: 'resnet' }, /architecture\.kind/);
});

test("a training step's arithmetic per image: the Table 2 baseline's 47.9 MFLOP, and vgg-gap's", async () => {
  const { stepFlopsPerImage } = await import('../../../src/ml/model/flops.ts');
  const { readFileSync } = await import('node:fs');
  const { parse } = await import('yaml');
  const table2 = planLayers(
    architectureLayers(parseArchitecture({ kind: 'table2', pool: { kernel: 2, stride: 2, padding: 0 }, dropout: 0.3, batchnorm: true })),
  );
  // conv1 fwd + weight grad 1.25M MAC, conv2 15.05M, conv3 7.53M, dense 0.11M (../shared/GUIDE.md).
  const t = stepFlopsPerImage(table2);
  assert.equal(t.forwardMacs, 28 * 28 * 32 * 25 + 14 * 14 * 32 * 25 * 32 + 7 * 7 * 64 * 25 * 32 + 3 * 3 * 64 * 64 + 64 * 10);
  assert.ok(Math.abs(t.stepFlops / 1e6 - 47.9) < 0.1, `${t.stepFlops / 1e6} MFLOP`);
  const gap = parse(readFileSync(new URL('../../../configs/experiments/vgg-gap.yaml', import.meta.url), 'utf8')) as { architecture: unknown };
  const g = stepFlopsPerImage(planLayers(architectureLayers(parseArchitecture(gap.architecture))));
  const convs = 28 * 28 * 32 * 9 * (1 + 32) + 14 * 14 * 64 * 9 * (32 + 64) + 7 * 7 * 128 * 9 * (64 + 128) + 128 * 10;
  assert.equal(g.forwardMacs, convs);
  assert.equal(g.stepFlops, 2 * (3 * convs - 28 * 28 * 32 * 9));
});
