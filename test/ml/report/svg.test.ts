import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confusionSpec, curvesSpec, leaderboardSpec, perClassSpec } from '../../../src/ml/report/plot-specs.ts';
import { renderSvg, scopeSvgIds } from '../../../src/ml/report/svg.ts';
import { reportFixture } from '../../fixtures/report-metrics.ts';

test('ids are renumbered per figure, references follow', () => {
  const svg = '<svg><clipPath id="clip7"><rect/></clipPath><g clip-path="url(#clip7)"/><use href="#clip7"/><g id="x"/></svg>';
  assert.equal(scopeSvgIds(svg, 'fig'), '<svg><clipPath id="fig-1"><rect/></clipPath><g clip-path="url(#fig-1)"/><use href="#fig-1"/><g id="fig-2"/></svg>');
});

test('every figure renders to SVG without warnings, identically twice', async () => {
  const { summary, histories } = reportFixture({ epochs: 4 });
  const best = summary.experiments.find((e) => e.id === summary.best)!;
  const specs = {
    curves: curvesSpec(summary, histories),
    leaderboard: leaderboardSpec(summary),
    perClass: perClassSpec(summary, best),
    confusion: confusionSpec(summary, best),
  };
  for (const [name, spec] of Object.entries(specs)) {
    const a = await renderSvg(spec, name);
    const b = await renderSvg(spec, name);
    assert.match(a.svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, name);
    assert.deepEqual(a.warnings, [], name);
    assert.equal(a.svg, b.svg, `${name} renders deterministically`);
    assert.doesNotMatch(a.svg, /(href|src)="https?:/, `${name} references nothing external`);
  }
  // The data made it in: every class name labels the confusion matrix, the best id the legend.
  const conf = (await renderSvg(specs.confusion, 'c')).svg;
  for (const c of summary.class_names) assert.ok(conf.includes(`>${c.replace('/', '/')}<`), c);
  assert.ok((await renderSvg(specs.curves, 'k')).svg.includes(`best: ${summary.best}`));
});

test('one-epoch runs (the CI profile) still draw every experiment, with integer epoch ticks', async () => {
  const { summary, histories } = reportFixture({ epochs: 1 });
  const { svg, warnings } = await renderSvg(curvesSpec(summary, histories), 'one');
  assert.deepEqual(warnings, []);
  assert.doesNotMatch(svg, />1\.0+</, 'epoch ticks are integers');
  // Every experiment is a visible symbol in each of the four panels (grey ones included).
  const symbols = svg.match(/<path [^>]*d="M[^"]*A/g) ?? [];
  assert.ok(symbols.length >= histories.length * 4, `${symbols.length} point symbols`);
});
