/**
 * Opens the rendered fixture report in headless Chromium (Debian's package, driven by
 * playwright-core) from disk: every figure and table present, no console error, no request beyond
 * the file itself; saves a screenshot as test-results/report.png for a person to look at. Then
 * prints it, as a student hands it in: to PDF on A4 and Letter, every table and figure within the
 * page's width with nothing in a scroll box, no page left with a lone sentence, and the scatter's
 * labels clear of its points (on the fixture and on this repository's committed metrics).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.ts';
import { textLinesPerPage } from '../helpers/pdf-text.ts';
import { renderCommittedReport, renderFixtureReport } from '../fixtures/render-report.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOT = path.join(REPO, 'test-results/report.png');

test('the HTML report opens from disk with every figure and table, no errors, no network', { timeout: 60_000 }, async () => {
  const { root, reportDir } = await renderFixtureReport();
  const browser = await launchBrowser();
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

/** The report's print margins (its @page rule): 14 mm top and bottom, 12 mm left and right. */
const SIDE_MARGIN_MM = 12;
const PAPER = [
  { format: 'A4', widthMm: 210 },
  { format: 'Letter', widthMm: 215.9 },
] as const;
const px = (mm: number): number => (mm * 96) / 25.4;
/** A lone sentence is one to three lines of text on a page. */
const MIN_LINES_PER_PAGE = 5;

test(
  'printed to PDF, every table and figure fits the page, nothing scrolls, no page holds a lone sentence, labels clear of points',
  { timeout: 120_000 },
  async () => {
    const reports = { fixture: await renderFixtureReport(), committed: await renderCommittedReport() };
    const browser = await launchBrowser();
    try {
      for (const [name, { reportDir }] of Object.entries(reports)) {
        const page = await browser.newPage();
        await page.goto(pathToFileURL(path.join(reportDir, 'index.html')).href, { waitUntil: 'load' });
        await page.emulateMedia({ media: 'print' });
        for (const paper of PAPER) {
          const width = Math.floor(px(paper.widthMm - 2 * SIDE_MARGIN_MM));
          // The print layout is the page's content width; laid out at it, nothing may reach past it.
          await page.setViewportSize({ width, height: 1100 });
          const m = await printLayout(page);
          const where = `${name} report on ${paper.format} (${width} px of content)`;
          assert.ok(m.tables.length >= 8, `${where}: every table measured (${m.tables.length})`);
          for (const t of m.tables) {
            assert.ok(t.scrollWidth <= t.clientWidth && t.right <= width + 0.5, `${where}: table "${t.head}" fits (${JSON.stringify(t)})`);
          }
          assert.deepEqual(m.scrollBoxes, [], `${where}: elements that would print a scrollbar`);
          assert.ok(m.pageWidth <= width, `${where}: nothing reaches past the page (${m.pageWidth} px wide)`);
          assert.deepEqual(m.labelOverlaps, [], `${where}: scatter labels over a point`);
          assert.ok(m.labels >= 2, `${where}: the chosen models are labelled (${m.labels})`);

          const pdf = await page.pdf({ format: paper.format });
          const lines = textLinesPerPage(pdf);
          assert.ok(lines.length >= 6, `${where}: ${lines.length} pages`);
          const lone = lines.flatMap((n, i) => (n < MIN_LINES_PER_PAGE ? [`page ${i + 1}: ${n} lines`] : []));
          assert.deepEqual(lone, [], `${where}: pages with next to nothing on them (lines per page: ${lines.join(' ')})`);
          if (name === 'committed' && paper.format === 'A4') {
            await mkdir(path.dirname(SCREENSHOT), { recursive: true });
            await writeFile(path.join(path.dirname(SCREENSHOT), 'report.pdf'), pdf);
          }
        }
        await page.close();
      }
    } finally {
      await browser.close();
      await rm(reports.fixture.root, { recursive: true, force: true });
      await rm(reports.committed.root, { recursive: true, force: true });
    }
  },
);

interface PrintLayout {
  tables: Array<{ head: string; scrollWidth: number; clientWidth: number; right: number }>;
  scrollBoxes: string[];
  pageWidth: number;
  labels: number;
  labelOverlaps: string[];
}

/**
 * What the print layout of the open page holds, measured in the browser (plain JavaScript in a
 * string: this project's TypeScript has no DOM types, and tsx would add helpers the page lacks).
 */
async function printLayout(page: Page): Promise<PrintLayout> {
  return (await page.evaluate(`(() => {
    const tables = Array.from(document.querySelectorAll('table')).map((t) => ({
      head: (t.querySelector('th')?.textContent ?? '').trim(),
      scrollWidth: t.scrollWidth,
      clientWidth: t.clientWidth,
      right: Math.round(t.getBoundingClientRect().right * 10) / 10,
    }));
    // An element that scrolls would print its scrollbar and cut what overflows it.
    const scrolls = (o) => o === 'auto' || o === 'scroll';
    const scrollBoxes = Array.from(document.querySelectorAll('main *')).flatMap((e) => {
      const style = getComputedStyle(e);
      const over = (scrolls(style.overflowX) && e.scrollWidth > e.clientWidth) || (scrolls(style.overflowY) && e.scrollHeight > e.clientHeight);
      return over ? [e.tagName.toLowerCase() + ' ' + e.scrollWidth + 'x' + e.scrollHeight + ' in ' + e.clientWidth + 'x' + e.clientHeight] : [];
    });
    const scatter = document.querySelector('figure.plot[data-plot="leaderboard"] svg');
    const points = Array.from(scatter?.querySelectorAll('.mark-symbol.role-mark path') ?? []).map((p) => p.getBoundingClientRect());
    const texts = Array.from(scatter?.querySelectorAll('.mark-text.role-mark text') ?? []);
    const labelOverlaps = texts.flatMap((t) => {
      const r = t.getBoundingClientRect();
      const hit = points.filter((p) => r.left < p.right && p.left < r.right && r.top < p.bottom && p.top < r.bottom);
      return hit.length > 0 ? ['"' + t.textContent + '" covers ' + hit.length + ' point(s)'] : [];
    });
    return { tables, scrollBoxes, pageWidth: document.documentElement.scrollWidth, labels: texts.length, labelOverlaps };
  })()`)) as PrintLayout;
}
