/**
 * Every page of pipeline ui in a real browser (Debian's Chromium through playwright-core) on a
 * copy of the committed run: each draws itself with no console error and no request leaving the
 * server; the experiments table sorts, filters and shows revisions side by side; a URL with state
 * restores that state; screenshots of each page are saved (UI_SCREENSHOTS=docs/ui for the README's).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.ts';
import { committedRunProject, openPage, SCREENSHOTS, startUi, watchedPage } from './helpers.ts';

/** The texts of one column of the experiments table, top to bottom. */
async function column(page: Page, name: string): Promise<string[]> {
  const index = await page.$$eval('#experiments thead th', (ths, n) => ths.findIndex((th) => th.textContent === n), name);
  return page.$$eval('#experiments tbody tr[data-id]', (trs, i) => trs.map((tr) => tr.children[i]?.textContent ?? ''), index);
}

test(
  'every page loads from the committed run with no console error and no request leaving loopback; sort, filter and URL state work',
  { timeout: 300_000 },
  async () => {
    const p = await committedRunProject();
    const ui = await startUi(p.root);
    const browser = await launchBrowser();
    try {
      const { page, errors, requests } = await watchedPage(browser);
      await mkdir(SCREENSHOTS, { recursive: true });
      // What the committed run says, so a new experiment does not break the page checks.
      const summary = JSON.parse(await p.read('artifacts/metrics/summary.json')) as { best: string; experiments: unknown[] };

      // Experiments: the table exp show prints, the best by validation marked.
      await openPage(page, `${ui.url}experiments`);
      assert.equal(await page.$$eval('#experiments tbody tr[data-id]', (r) => r.length), summary.experiments.length);
      assert.deepEqual(await page.$$eval('#experiments tr.best', (r) => r.map((x) => x.getAttribute('data-id'))), [summary.best]);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'experiments.png') });

      // Sort by clicking a header: ascending, then descending; the URL carries it.
      await page.click('#experiments th[data-column="test_accuracy"]');
      await page.waitForSelector('#experiments th.sorted-asc[data-column="test_accuracy"]');
      const asc = (await column(page, 'test_accuracy')).map(Number);
      assert.deepEqual(
        asc,
        [...asc].sort((a, b) => a - b),
      );
      await page.click('#experiments th[data-column="test_accuracy"]');
      await page.waitForSelector('#experiments th.sorted-desc[data-column="test_accuracy"]');
      const desc = (await column(page, 'test_accuracy')).map(Number);
      assert.deepEqual(desc, [...asc].reverse());
      assert.equal((await column(page, 'experiment'))[0], `${summary.best} ★ best`);
      assert.match(page.url(), /sort=test_accuracy%3Adesc/);

      // Filter with exp show's conditions.
      await page.fill('#where', 'experiment~drop0.3 params.batchnorm=true');
      await page.click('#controls button[type=submit]');
      await page.waitForFunction(`document.querySelectorAll('#experiments tbody tr[data-id]').length === 2`);
      assert.deepEqual(await column(page, 'experiment'), ['pool2-2-0_drop0.3_bn', 'pool4-3-1_drop0.3_bn']);
      assert.equal(
        await page.textContent('#command'),
        "pipeline exp show --sort test_accuracy:desc --where 'experiment~drop0.3' --where 'params.batchnorm=true'",
      );
      const bad = await watchedPage(browser);
      await openPage(bad.page, `${ui.url}experiments?where=no_such_column>1`);
      assert.match((await bad.page.textContent('.problem')) ?? '', /--where: no column "no_such_column"/);
      await bad.page.close();

      // Select, per-class on demand, and the same URL restores all of it in a new page.
      await page.check('#experiments input[data-id="pool4-3-1_drop0.3_bn"]');
      await page.check('#per-class');
      await page.waitForSelector('#experiments th[data-column="per_class.Shirt"]');
      const restored = await watchedPage(browser);
      await openPage(restored.page, page.url());
      assert.equal(await restored.page.inputValue('#where'), 'experiment~drop0.3 params.batchnorm=true');
      assert.ok(await restored.page.isChecked('#per-class'));
      assert.ok(await restored.page.isChecked('#experiments input[data-id="pool4-3-1_drop0.3_bn"]'));
      assert.ok(await restored.page.$('#experiments th.sorted-desc[data-column="test_accuracy"]'));
      assert.deepEqual(await column(restored.page, 'experiment'), ['pool2-2-0_drop0.3_bn', 'pool4-3-1_drop0.3_bn']);
      const csv = await (await restored.page.request.get(await restored.page.getAttribute('#csv', 'href').then((h) => new URL(h!, ui.url).href))).text();
      assert.equal(csv.split('\n')[0]!.split(',')[0], 'experiment');
      assert.match(csv.split('\n')[0]!, /per_class\.Shirt/);
      assert.equal(csv.trim().split('\n').length, 3, 'the header and the two rows shown');
      errors.push(...restored.errors);
      requests.push(...restored.requests);
      await restored.page.close();

      // Revisions side by side, as exp show HEAD workspace.
      await openPage(page, `${ui.url}experiments?rev=HEAD&rev=workspace`);
      assert.equal(await page.$$eval('#experiments tbody tr[data-id]', (r) => r.length), 2 * summary.experiments.length);
      assert.deepEqual(await page.$$eval('#experiments tr.best', (r) => r.length), 2, 'the best of each revision');

      // Curves: a selection from the URL, two charts, every point of the selection drawn.
      await openPage(page, `${ui.url}curves?exp=vgg-bn&exp=pool2-2-0_drop0.3_bn&split=val`);
      assert.equal(await page.getAttribute('#charts', 'data-points'), String(2 * 10 * 2), '2 experiments x 10 epochs x (val loss, val accuracy)');
      assert.deepEqual(await page.$$eval('#experiment-list input:checked', (b) => b.map((x) => x.getAttribute('data-id')).sort()), [
        'pool2-2-0_drop0.3_bn',
        'vgg-bn',
      ]);
      assert.equal(await page.inputValue('#split'), 'val');
      assert.equal(await page.$$eval('#charts svg', (s) => s.length), 2);
      await page.selectOption('#split', 'both');
      await page.waitForFunction(`document.querySelector('#charts')?.getAttribute('data-points') === '80'`);
      assert.doesNotMatch(page.url(), /split=/);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'curves.png') });

      // Compare: params that differ, metrics, per-class bars, confusion matrices.
      await openPage(page, `${ui.url}compare?exp=vgg-bn&exp=pool2-2-0_drop0.3_bn`);
      assert.ok((await page.$$('#compare-params tbody tr')).length > 0);
      assert.match((await page.textContent('#compare-metrics')) ?? '', /test_accuracy/);
      assert.equal(await page.$$eval('#confusions table', (t) => t.length), 2);
      await page.waitForSelector('#per-class svg');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'compare.png'), fullPage: true });

      // Grid: Figure 2's 12 points.
      await openPage(page, `${ui.url}grid`);
      assert.match((await page.textContent('main')) ?? '', /12 grid points/);
      await page.waitForSelector('#grid-chart svg');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'grid.png') });

      // Pipeline: every planned instance, a state each; the selection in the URL shows its details.
      await openPage(page, `${ui.url}pipeline?id=train@vgg-bn`);
      // As many as the committed lock records: the default plan has no instance the run skipped.
      const planned = Object.keys((await p.lock()).stages).length;
      assert.ok(planned >= 33, `the committed lock records ${planned} instances`);
      assert.equal(await page.$$eval('#dag .node', (n) => n.length), planned);
      await page.waitForSelector('#details h2');
      assert.equal(await page.textContent('#details h2'), 'train@vgg-bn');
      assert.match((await page.textContent('#details')) ?? '', /artifacts\/models\/vgg-bn/);
      await page.screenshot({ path: path.join(SCREENSHOTS, 'pipeline.png') });

      // Report: the rendered report in a frame.
      await openPage(page, `${ui.url}report`);
      const frame = await (await page.waitForSelector('iframe#report')).contentFrame();
      await frame!.waitForSelector('figure.plot');
      await page.screenshot({ path: path.join(SCREENSHOTS, 'report.png') });

      assert.deepEqual(errors, [], 'no console errors');
      const origin = new URL(ui.url).origin;
      assert.deepEqual(
        requests.filter((r) => !r.startsWith(`${origin}/`) && !r.startsWith('data:')),
        [],
        'no request leaves the server',
      );
    } finally {
      await browser.close();
      await ui.stop();
      await p.dispose();
    }
  },
);
