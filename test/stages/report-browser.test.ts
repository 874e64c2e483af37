/**
 * Opens the rendered fixture report in headless Chromium (Debian's package, driven by
 * playwright-core) from disk: every figure and table present, no console error, no request beyond
 * the file itself; saves a screenshot as test-results/report.png for a person to look at.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { renderFixtureReport } from '../fixtures/render-report.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOT = path.join(REPO, 'test-results/report.png');
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

test('the HTML report opens from disk with every figure and table, no errors, no network', { timeout: 60_000 }, async () => {
  try {
    await access(CHROMIUM);
  } catch {
    assert.fail(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (.ci/run does) or set CHROMIUM_PATH`);
  }
  const { root, reportDir } = await renderFixtureReport();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(path.join(reportDir, 'index.html')).href;
    await page.goto(url, { waitUntil: 'load' });

    const plots = await page.$$eval('figure.plot', (fs) =>
      fs.map((f) => ({
        name: f.getAttribute('data-plot'),
        marks: f.querySelectorAll('svg .mark-group, svg path, svg rect').length,
        width: f.querySelector('svg')?.getBoundingClientRect().width ?? 0,
      })),
    );
    assert.deepEqual(
      plots.map((p) => p.name),
      ['curves', 'leaderboard', 'per-class', 'confusion'],
    );
    for (const p of plots) assert.ok(p.marks > 10 && p.width > 200, `figure ${p.name} is drawn (${JSON.stringify(p)})`);

    const tables = await page.$$eval('table', (ts) =>
      ts.map((t) => ({
        head: Array.from(t.querySelectorAll('th'))
          .map((th) => (th as { textContent: string | null }).textContent?.trim())
          .join(' | '),
        rows: t.querySelectorAll('tbody tr').length,
      })),
    );
    const table = (prefix: string) => tables.find((t) => t.head.startsWith(prefix));
    assert.equal(table('Parameter | Shape')?.rows, 4, 'gradient-check table');
    assert.equal(table('Row | Column | Filter | Value')?.rows, 4, 'Table 1');
    assert.equal(table('Rank | Experiment')?.rows, 13, 'leaderboard');
    assert.equal(table('Model | Overall accuracy')?.rows, 1, 'Table 3');
    assert.equal(table('Class | Accuracy')?.rows, 10, 'Table 4');
    assert.ok(table('True class | Predicted as'), 'most confused pairs');
    assert.ok(table('What | Value'), 'reproducibility footer');

    const text = await page.textContent('main');
    for (const heading of ['Part 1', 'Part 2.1', 'Part 2.2.1', 'Part 2.2.2', 'Part 2.2.3', 'Reproducibility']) {
      assert.ok(text?.includes(heading), `section ${heading}`);
    }
    assert.ok((await page.$$('math')).length > 0, 'the derivation is typeset as MathML');
    // Chromium with classic scrollbars showed one on every display equation (glyphs a few pixels
    // past the box): none may overflow unless it is wider than the page.
    const overflowing = await page.$$eval(
      'math[display="block"]',
      (ms) => ms.filter((m) => m.scrollHeight > m.clientHeight || (m.scrollWidth > m.clientWidth && m.scrollWidth < 1000)).length,
    );
    assert.equal(overflowing, 0, 'display equations that would show a scrollbar');
    const labels = await page.$$eval('figure.plot[data-plot="per-class"] svg text', (ts) => ts.map((t) => t.textContent ?? ''));
    assert.ok(
      labels.some((l) => / overall: \d+\.\d%$/.test(l)),
      `the dashed line is labelled (${labels.join(' | ')})`,
    );

    assert.deepEqual(errors, [], 'no console errors');
    assert.deepEqual(
      requests.filter((r) => r !== url),
      [],
      'no requests beyond the page itself',
    );

    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  } finally {
    await browser.close();
    await rm(root, { recursive: true, force: true });
  }
});
