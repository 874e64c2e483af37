/**
 * `npm run bench:ui`: the first paint of pipeline ui's Experiments page in the real browser
 * (Debian's Chromium, headless), for the committed run (13 experiments) and for 10,000 generated
 * experiments (a lock of 10,000 train entries cloned from a committed one, with their evaluation
 * summary). For each it starts the real `pipeline ui`, opens /experiments once on a cold server
 * (its first read of the lock) and then `--repeat` times on a warm one, and prints the time from
 * navigation to the first paint and to the table painted (the page's own mark).
 *
 *   node --import tsx bench/ui.ts [--repeat 7] [--count 10000]
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { REPO } from '../fixtures/repo.ts';
import { canonicalize, sha256 } from '../src/pipeline/plan/fingerprint.ts';
import { Lock } from '../src/pipeline/state/lock.ts';
import { LOCK_HEADER, LOCK_VERSION } from '../src/pipeline/state/lock-format.ts';
import { launchBrowser } from '../test/helpers/browser.ts';
import { startUi } from '../test/ui/helpers.ts';

const { values } = parseArgs({ options: { repeat: { type: 'string', default: '7' }, count: { type: 'string', default: '10000' } } });
const repeat = Number(values.repeat);
const count = Number(values.count);

/**
 * A project with `n` experiments: the committed pipeline.yaml, a lock of n train entries (one
 * committed entry with its id and dropout varied), a summary with n rows, and the JSON copy of the
 * lock that the engine's reader keeps beside it (.pipeline/lock.json, as any run or status leaves
 * it; producing it through the reader would first parse minutes of YAML).
 */
async function generated(n: number): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'bench-ui-'));
  await cp(path.join(REPO, 'pipeline.yaml'), path.join(root, 'pipeline.yaml'));
  const lock = parse(await readFile(path.join(REPO, 'pipeline.lock'), 'utf8')) as { stages: Record<string, Record<string, unknown>> };
  const summary = JSON.parse(await readFile(path.join(REPO, 'artifacts/metrics/summary.json'), 'utf8')) as { experiments: Array<Record<string, unknown>> };
  const entry = lock.stages['train@pool2-2-0_drop0.3_bn']!;
  const row = summary.experiments.find((e) => e.id === 'pool2-2-0_drop0.3_bn')!;
  const stages: Record<string, unknown> = {};
  const rows = [];
  const blocks: string[] = [];
  // Each entry's YAML from one template: stringifying 10,000 entries with the yaml package takes minutes.
  const template = stringify(
    {
      'train@ID': canonicalize({
        ...entry,
        item: { ...(entry.item as object), id: 'ID', params: { ...(entry.item as { params: object }).params, dropout: 0.123456789 } },
      }),
    },
    { lineWidth: 0 },
  ).replace(/^(?=.)/gm, '  ');
  for (let i = 0; i < n; i++) {
    const dropout = Number((i / n).toFixed(6));
    const id = `pool2-2-0_drop${dropout}_bn`;
    const item = structuredClone(entry.item) as { id: string; params: { dropout: number } };
    item.id = id;
    item.params.dropout = dropout;
    stages[`train@${id}`] = { ...entry, item };
    blocks.push(template.replaceAll('ID', id).replace('0.123456789', String(dropout)));
    const acc = 0.9 + 0.03 * Math.sin(i);
    rows.push({ ...row, id, params: item.params, val_accuracy: acc, test_accuracy: acc - 0.005 });
  }
  const text = `${LOCK_HEADER}\nstages:\n${blocks.join('')}`;
  await writeFile(path.join(root, 'pipeline.lock'), text);
  await mkdir(path.join(root, '.pipeline'), { recursive: true });
  await writeFile(path.join(root, '.pipeline/lock.json'), JSON.stringify({ version: LOCK_VERSION, digest: sha256(text), stages, problems: [] }));
  await mkdir(path.join(root, 'artifacts/metrics'), { recursive: true });
  await writeFile(path.join(root, 'artifacts/metrics/summary.json'), JSON.stringify({ ...summary, experiments: rows }));
  return root;
}

interface Paint {
  fcp: number;
  table: number;
  rows: number;
}

async function measure(label: string, root: string): Promise<void> {
  const ui = await startUi(root);
  const browser = await launchBrowser();
  try {
    const once = async (): Promise<Paint> => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(`${ui.url}experiments`);
      await page.waitForFunction(() => performance.getEntriesByName('table-painted').length > 0, undefined, { timeout: 600_000 });
      const paint = await page.evaluate(() => ({
        fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
        table: performance.getEntriesByName('table-painted')[0]!.startTime,
      }));
      const rows = Number(/of (\d+)/.exec((await page.textContent('#count')) ?? '')?.[1] ?? 0);
      await page.close();
      return { ...paint, rows };
    };
    const cold = await once();
    const warm: Paint[] = [];
    for (let i = 0; i < repeat; i++) warm.push(await once());
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const ms = (x: number): string => `${x.toFixed(0)} ms`;
    console.log(`${label} (${cold.rows} experiments):`);
    console.log(`  cold server (first read of the lock): first paint ${ms(cold.fcp)}, table painted ${ms(cold.table)}`);
    console.log(
      `  warm server, median of ${repeat}: first paint ${ms(med(warm.map((w) => w.fcp)))}, table painted ${ms(med(warm.map((w) => w.table)))} (min ${ms(Math.min(...warm.map((w) => w.table)))}, max ${ms(Math.max(...warm.map((w) => w.table)))})`,
    );
  } finally {
    await browser.close();
    await ui.stop();
  }
}

console.log(`bench:ui: node ${process.version}, Chromium headless; ${new Date().toISOString()}`);
await measure('committed run', REPO);
const root = await generated(count);
try {
  // The template stands for what a run writes: the engine's reader must take the copy as this lock's.
  const check = await Lock.open(root);
  if (check.ids().length !== count || check.problems.length > 0)
    throw new Error(`the generated lock reads as ${check.ids().length} entries: ${check.problems.join('; ')}`);
  await measure(`generated`, root);
} finally {
  await rm(root, { recursive: true, force: true });
}
