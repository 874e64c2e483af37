/**
 * Live updates end to end: `pipeline ui --profile ci` is open on the Pipeline and Curves pages
 * when a real `pipeline run --profile ci` starts in another process. Without a reload, the
 * Pipeline page shows the training running and then fresh, and its curve grows epoch by epoch.
 * The cost is kept low: one of the CI profile's experiments (and the data it reads), 3 epochs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Project } from '../helpers/project.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { openPage, SCREENSHOTS, startUi, watchedPage } from './helpers.ts';

const EXPERIMENT = 'pool4-3-1_drop0.3_nobn';
const TRAIN = `train@${EXPERIMENT}`;
const EPOCHS = 3;

test('a run in another process shows live: running, then fresh, and a curve that grows without a reload', { timeout: 600_000 }, async () => {
  const p = await Project.fromRepo();
  const ci = await p.read('configs/profiles/ci.yaml');
  assert.match(ci, /epochs: 1\b/);
  await p.write('configs/profiles/ci.yaml', ci.replace(/epochs: 1\b/, `epochs: ${EPOCHS}`));
  const ui = await startUi(p.root, ['--profile', 'ci']);
  const browser = await launchBrowser();
  try {
    const dag = await watchedPage(browser);
    const curves = await watchedPage(browser);
    await openPage(dag.page, `${ui.url}pipeline?id=${TRAIN}`);
    assert.equal(await dag.page.getAttribute(`#dag .node[data-id="${TRAIN}"]`, 'data-state'), 'stale', 'never run in this copy');
    await openPage(curves.page, `${ui.url}curves?exp=${EXPERIMENT}`);
    assert.equal(await curves.page.getAttribute('#charts', 'data-points'), '0');
    let loads = 0;
    for (const { page } of [dag, curves]) page.on('load', () => loads++);

    // Every value the curve's point count takes, as the page shows it.
    // (Browser code as text: this file is type-checked without the DOM's types.)
    await curves.page.evaluate(`
      window.seen = [];
      new MutationObserver(() => window.seen.push(document.querySelector('#charts').getAttribute('data-points')))
        .observe(document.querySelector('#charts'), { attributes: true, attributeFilter: ['data-points'] });
    `);

    const run = p.start(['run', '--profile', 'ci', TRAIN]);
    await dag.page.waitForSelector(`#dag .node[data-id="${TRAIN}"][data-state="running"]`, { timeout: 300_000 });
    await dag.page.waitForFunction(
      `/epoch \\d\\/\\d/.test(document.querySelector('#details')?.textContent ?? '') && document.querySelector('#details h2')?.textContent === '${TRAIN}'`,
      undefined,
      { timeout: 300_000 },
    );
    await mkdir(SCREENSHOTS, { recursive: true });
    await dag.page.screenshot({ path: path.join(SCREENSHOTS, 'pipeline-running.png') });
    const result = await run;
    assert.equal(result.exitCode, 0, String(result.stderr));
    await dag.page.waitForSelector(`#dag .node[data-id="${TRAIN}"][data-state="fresh"]`, { timeout: 30_000 });
    assert.equal(await dag.page.getAttribute('#dag .node[data-id="download"]', 'data-state'), 'fresh');
    await curves.page.waitForFunction(`document.querySelector('#charts')?.getAttribute('data-points') === '${4 * EPOCHS}'`, undefined, { timeout: 30_000 });
    const seen = ((await curves.page.evaluate('window.seen')) as string[]).map(Number);
    // 4 points an epoch (train and validation loss and accuracy): the curve had 1, then 2 epochs before the last.
    assert.ok(seen.includes(4) && seen.includes(8), `the curve grew an epoch at a time: ${seen.join(', ')}`);
    assert.ok(seen.indexOf(4) < seen.indexOf(8) && seen.indexOf(8) < seen.lastIndexOf(12), `in order: ${seen.join(', ')}`);
    await curves.page.screenshot({ path: path.join(SCREENSHOTS, 'curves-live.png') });
    assert.equal(loads, 0, 'neither page reloaded');
    assert.equal(await curves.page.isChecked(`#experiment-list input[data-id="${EXPERIMENT}"]`), true, 'the selection stayed');
    assert.deepEqual([...dag.errors, ...curves.errors], [], 'no console errors');
  } finally {
    await browser.close();
    await ui.stop();
    await p.dispose();
  }
});
