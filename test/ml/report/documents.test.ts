import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { renderHtml } from '../../../src/ml/report/html.ts';
import { unicodeMathVariants } from '../../../src/ml/report/mathml-variants.ts';
import type { ReportInputs } from '../../../src/ml/report/inputs.ts';
import { renderMarkdown } from '../../../src/ml/report/markdown.ts';
import { ReportConfigSchema } from '../../../src/ml/report/config.ts';
import type { Provenance } from '../../../src/ml/report/provenance.ts';
import { pct } from '../../../src/ml/report/md-format.ts';
import type { ReferenceRun } from '../../../src/ml/report/reference.ts';
import { GRADCHECK_FRAGMENT, THEORY_FRAGMENT, reportFixture } from '../../fixtures/report-metrics.ts';

const config = ReportConfigSchema.parse(parseYaml(readFileSync(new URL('../../../configs/report.yaml', import.meta.url), 'utf8')));
const provenance: Provenance = {
  command: 'npm run pipeline',
  lockSha256: 'ab'.repeat(32),
  backends: ['wasm'],
  packages: [
    { name: 'vega', version: '6.2.0' },
    { name: '@tensorflow/tfjs-node', version: undefined },
  ],
  node: 'v20.0.0',
  seeds: [
    { what: 'gradcheck', seed: 7 },
    { what: 'training', seed: 520 },
  ],
  cores: 2,
  cpu: 'Test CPU',
  platform: 'linux x64',
  generatedAt: '2026-01-02T03:04:05.000Z',
};

function inputs(overrides: Partial<ReportInputs> = {}): ReportInputs {
  const fx = reportFixture();
  return {
    gradcheck: fx.gradcheck,
    theory: fx.theory,
    summary: fx.summary,
    histories: fx.histories,
    ignoredHistories: [],
    fragments: { gradcheck: GRADCHECK_FRAGMENT, theory: THEORY_FRAGMENT },
    ...overrides,
  };
}

test('report.md answers every part the homework asks', () => {
  const i = inputs();
  const md = renderMarkdown({ inputs: i, config, provenance });
  for (const h of [
    '## Part 1: Backpropagation',
    '## Part 2.1: Theory',
    '## Part 2.2.1',
    '## Part 2.2.2',
    '### Chosen baseline',
    '### Custom architecture',
    '### Table 3: Overall accuracy',
    '### Table 4: Per-class accuracy',
    '### Problematic classes',
    '## Reproducibility',
  ]) {
    assert.ok(md.includes(h), h);
  }
  // A fragment's own title gives way to the part heading; its sub-headings sit under it.
  assert.ok(md.includes('### Hidden layer') && !md.includes('backpropagation by hand') && !md.includes('Convolutional networks: theory'));
  assert.ok(md.includes('**2.1.1.**') && md.includes('$$'));
  // Each table appears once: Table 1 from the theory fragment, the gradient check built here.
  assert.equal(md.split('| Row | Column | Filter | Value |').length - 1, 1);
  assert.equal(md.split('| Parameter | Shape | Entries checked |').length - 1, 1);
  for (const r of i.theory.toy_convolution.table1) assert.ok(md.includes(`| ${r.row} | ${r.column} | ${r.filter} | ${r.value} |`));
  const best = i.summary.experiments.find((e) => e.id === i.summary.best)!;
  assert.ok(md.includes(`**${(best.test_accuracy * 100).toFixed(2)}%**`), 'Table 3 holds the test accuracy');
  for (const c of i.summary.class_names) assert.ok(md.includes(`| ${c} | ${(best.per_class[c]! * 100).toFixed(2)}% |`), c);
  assert.match(md, /It \*\*beats\*\* the best baseline/);
  assert.ok(md.includes('Two VGG-style blocks'), 'the custom network is explained from its description');
  assert.match(md, /- \*\*Shirt\*\*: /);
  assert.match(md, /\| Shirt \| T-shirt\/top \| \d+ \|/);
  assert.ok(md.includes('they share the same silhouette'));
  for (const f of ['curves.svg', 'leaderboard.svg', 'per-class.svg', 'confusion.svg']) assert.ok(md.includes(`](${f})`), f);
  assert.ok(md.includes(`\`${'ab'.repeat(32)}\``) && md.includes('@tensorflow/tfjs-node (not installed)'));
  assert.ok(md.includes('gradcheck 7; training 520') && md.includes('2 cores (Test CPU)'));
});

test('without the theory fragment, 2.1 and Table 1 are written from theory.json', () => {
  const md = renderMarkdown({ inputs: inputs({ fragments: { gradcheck: GRADCHECK_FRAGMENT, theory: undefined } }), config, provenance });
  assert.ok(md.includes('### 2.1.1 Output volume of 98x98x16') && md.includes('**Answer:** 24 x 24 x 64'));
  assert.ok(md.includes('### Table 1: Output from convolution') && md.includes('| 1 | 1 | 2 | 47 |'));
  assert.ok(md.includes('- Filter 2: [47, 66, 52] [44, 66, 37] [65, 40, 94]'));
});

test("successive halving's fragment becomes a section after 2.2.2; the full grid has none", async () => {
  const { searchMarkdown } = await import('../../../src/ml/search/collect.ts');
  const search = searchMarkdown({
    strategy: 'successive-halving',
    eta: 3,
    min_epochs: 1,
    epochs: 2,
    rungs: [
      { rung: 0, to_epoch: 1, trained: 2 },
      { rung: 1, to_epoch: 2, trained: 1 },
    ],
    experiments: [
      { id: 'a', stopped_at_rung: 0, epochs_trained: 1, val_accuracy: 0.8, reason: 'ranked 2 of 2 by validation accuracy after epoch 1; the best 1 continued' },
      { id: 'b', stopped_at_rung: 1, epochs_trained: 2, val_accuracy: 0.9, reason: 'trained all 2 epochs' },
    ],
    epochs_trained: 3,
    full_grid_epochs: 4,
  });
  const md = renderMarkdown({ inputs: inputs({ fragments: { gradcheck: GRADCHECK_FRAGMENT, theory: THEORY_FRAGMENT, search } }), config, provenance });
  const at = md.indexOf('### How the experiments were searched: successive halving');
  assert.ok(at > md.indexOf('## Part 2.2.2') && at < md.indexOf('## Part 2.2.3'));
  assert.ok(md.includes('| a | 0 | 1 | 80.00% | ranked 2 of 2 by validation accuracy after epoch 1; the best 1 continued |'));
  assert.ok(md.includes("3 epochs were trained instead of the full grid's 4 (75.00%)"));
  assert.ok(!renderMarkdown({ inputs: inputs(), config, provenance }).includes('successive halving'));
});

test('a gradcheck fragment that carries its own table is not repeated', () => {
  const table = '| Parameter | Shape | Entries checked | Max rel. error vs finite differences |\n|---|---|---|---|\n| $W_1$ | 2 x 500 | 1000 | 2e-7 |\n';
  const md = renderMarkdown({ inputs: inputs({ fragments: { gradcheck: `${GRADCHECK_FRAGMENT}\n${table}`, theory: THEORY_FRAGMENT } }), config, provenance });
  assert.equal(md.split('| Parameter | Shape | Entries checked |').length - 1, 1);
  assert.ok(!md.includes('### Gradient check'));
});

test('a failed gradient check is shown as a failure', () => {
  const base = inputs();
  const gradcheck = { ...base.gradcheck, pass: false, parameters: base.gradcheck.parameters.map((p, k) => ({ ...p, pass: k !== 0 })) };
  const md = renderMarkdown({ inputs: { ...base, gradcheck }, config, provenance });
  assert.ok(md.includes('**FAIL**') && md.includes('some gradients disagree'));
});

test('index.html is self-contained: figures inline, math as MathML, a CSP that blocks every fetch', () => {
  const md = renderMarkdown({ inputs: inputs(), config, provenance });
  const svg = (name: string) => `<svg xmlns="http://www.w3.org/2000/svg"><g id="${name}-1"/></svg>`;
  const svgs = new Map(['curves', 'leaderboard', 'per-class', 'confusion'].map((n) => [`${n}.svg`, svg(n)]));
  const html = renderHtml(md, config.title, svgs);
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  assert.equal((html.match(/<figure class="plot"/g) ?? []).length, 4);
  assert.doesNotMatch(html, /<img /, 'no figure left as an image reference');
  assert.doesNotMatch(html, /<p>\s*<figure/, 'figures are not wrapped in paragraphs');
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'no external references');
  assert.match(html, /<math[^>]*>/);
  // KaTeX keeps the source TeX in an <annotation>; outside it, none may be left untypeset.
  assert.doesNotMatch(html.replace(/<annotation[^>]*>[\s\S]*?<\/annotation>/g, ''), /\$\$|\\frac/, 'all TeX was typeset');
  assert.throws(() => renderHtml('![x](missing.svg)', 't', svgs), /missing\.svg was not rendered/);
});

test('blackboard, script and bold math letters become Unicode symbols that MathML Core shows', () => {
  assert.equal(unicodeMathVariants('<mi mathvariant="double-struck">R</mi>'), '<mi mathvariant="normal">ℝ</mi>');
  assert.equal(unicodeMathVariants('<mi mathvariant="script">L</mi>'), '<mi mathvariant="normal">ℒ</mi>');
  assert.equal(unicodeMathVariants('<mn mathvariant="bold">1</mn>'), '<mn>𝟏</mn>');
  assert.equal(unicodeMathVariants('<mi mathvariant="bold-italic">x</mi>'), '<mi mathvariant="normal">𝒙</mi>');
  assert.equal(unicodeMathVariants('<mi mathvariant="normal">sin</mi>'), '<mi mathvariant="normal">sin</mi>');
  const html = renderHtml('Let $x \\in \\mathbb{R}^2$ and $\\mathcal{L}$.', 't', new Map());
  assert.ok(html.includes('ℝ') && html.includes('ℒ'));
});

test('the best model and the baseline are ranked among the published results of configs/report.yaml', () => {
  const i = inputs();
  const md = renderMarkdown({ inputs: i, config, provenance });
  const start = md.indexOf('### Against published results');
  const section = md.slice(start, md.indexOf('\n## ', start));
  assert.ok(config.published_results.length >= 5, 'configs/report.yaml lists published results');
  const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Model') && !l.startsWith('| ---'));
  assert.equal(rows.length, config.published_results.length + 2);
  const accuracies = rows.map((r) => Number(r.split('|')[2]!.trim().replace('%', '')));
  assert.deepEqual(
    accuracies,
    [...accuracies].sort((a, b) => b - a),
    'sorted by test accuracy',
  );
  const best = i.summary.experiments.find((e) => e.id === i.summary.best)!;
  const own = rows.find((r) => r.includes(`\`${best.id}\` (this run, best)`));
  assert.ok(own?.includes(`${(best.test_accuracy * 100).toFixed(1)}%`), own);
  assert.ok(rows.some((r) => r.includes('(this run, baseline)')));
  assert.ok(rows.some((r) => r.includes('| VGG16, 26M parameters | 93.5% |')));
  // Evaluated on all 10,000 test images (as the published results were): no caveat.
  assert.match(md, /accuracy on the 10,000 test images/);
  assert.ok(!section.includes('subset'));
});

test('without published results in the config there is no such section', () => {
  const md = renderMarkdown({ inputs: inputs(), config: { ...config, published_results: [] }, provenance });
  assert.ok(!md.includes('### Against published results'));
});

/** A reference run built from the fixture: every grid experiment, `shift` below ours in test accuracy. */
function referenceFrom(i: ReportInputs, epochs: number, shift: number): ReferenceRun {
  return {
    experiments: i.summary.experiments
      .filter((e) => e.kind === 'grid')
      .map((e, k) => ({
        id: e.id,
        param_count: e.param_count,
        val_accuracy: e.val_accuracy - shift,
        test_accuracy: e.test_accuracy - shift * (k === 0 ? 2 : 1),
        history: Array.from({ length: epochs }, (_, n) => ({ epoch: n + 1 })),
        train_seconds: 9,
        device: 'cuda',
        torch: '2.11.0',
      })),
  };
}

test('the experiments the PyTorch reference also trained are compared with it, row by row', () => {
  const base = inputs();
  const grid = base.summary.experiments.filter((e) => e.kind === 'grid');
  const custom = base.summary.experiments.filter((e) => e.kind === 'custom').map((e) => e.id);
  const epochs = base.summary.experiments[0]!.epochs;
  const md = renderMarkdown({ inputs: { ...base, reference: referenceFrom(base, epochs, 0.01) }, config, provenance });
  const start = md.indexOf('### Against the same recipe in PyTorch');
  assert.ok(start > md.indexOf('### Custom architecture') && start < md.indexOf('## Part 2.2.3'), 'closes part 2.2.2');
  const section = md.slice(start, md.indexOf('\n## ', start));
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  assert.equal(rows.length, grid.length);
  const first = [...grid].sort((a, b) => a.id.localeCompare(b.id))[0]!;
  const row = rows.find((r) => r.startsWith(`| \`${first.id}\``))!;
  const shift = first === grid[0] ? 0.02 : 0.01;
  assert.ok(row.includes(pct(first.test_accuracy)) && row.includes(pct(first.test_accuracy - shift)), row);
  assert.ok(row.endsWith(`| +${(shift * 100).toFixed(2)} pp |`), row);
  // One experiment is 2 points behind, the rest 1: mean and largest difference follow.
  const mean = (0.02 + 0.01 * (grid.length - 1)) / grid.length;
  assert.ok(section.includes(`differs from PyTorch's by +${(mean * 100).toFixed(2)} pp on average`), section);
  assert.ok(section.includes('largest +2.00 pp'), section);
  assert.match(section, /Both choose `[^`]+` as the best of them by validation accuracy/);
  assert.ok(section.includes(`Not in the reference: ${custom.map((id) => `\`${id}\``).join(', ')}.`));
});

test("a profile's short run is not compared with the reference's full recipe", () => {
  const base = inputs();
  const epochs = base.summary.experiments[0]!.epochs;
  const md = renderMarkdown({ inputs: { ...base, reference: referenceFrom(base, epochs + 4, 0) }, config, provenance });
  const section = md.slice(md.indexOf('### Against the same recipe in PyTorch'));
  assert.ok(!section.split('\n## ')[0]!.includes('| Experiment |'), 'no table');
  assert.ok(section.includes(`None of this run's experiments is compared`));
  assert.ok(section.includes(`trained for ${epochs} epochs here against the reference's ${epochs + 4}`));
  // Without a reference there is no section at all.
  assert.ok(!renderMarkdown({ inputs: base, config, provenance }).includes('Against the same recipe'));
});

test("the custom network's ablation is a table under the custom architecture, each row against the whole recipe", () => {
  const base = inputs();
  const variant = (id: string, change: string, val: number, seconds: number) => ({
    id,
    change,
    param_count: 288618,
    val_accuracy: val,
    val_curve: [0.8, val],
    train_seconds: seconds,
  });
  const ablation = {
    command: 'npm run bench:ablation -- --epochs 2',
    epochs: 2,
    machine: '2 x Test CPU (avx512_core_bf16)',
    variants: [variant('full', 'vgg-gap with its whole recipe', 0.93, 120), variant('no-cutout', 'without Cutout', 0.925, 118)],
  };
  const md = renderMarkdown({ inputs: { ...base, ablation }, config, provenance });
  const start = md.indexOf('#### What each ingredient earns (ablation)');
  assert.ok(start > md.indexOf('### Custom architecture') && start < md.indexOf('## Part 2.2.3'), 'inside part 2.2.2');
  const section = md.slice(start, md.indexOf('\n## ', start));
  assert.ok(section.includes('`npm run bench:ablation -- --epochs 2`') && section.includes('for 2 epochs'), 'says how it was made');
  assert.ok(section.includes('validation images only'), 'never the test set');
  const row = section.split('\n').find((l) => l.startsWith('| `no-cutout`'))!;
  assert.ok(row.includes('92.50%') && row.includes('−0.50 pp') && row.includes('| 2.0 |'), row);
  assert.ok(
    section
      .split('\n')
      .find((l) => l.startsWith('| `full`'))!
      .includes('| — |'),
  );
  assert.ok(!renderMarkdown({ inputs: base, config, provenance }).includes('ablation'), 'no file, no section');
});
