/**
 * What the UI tests share: `pipeline ui` started as the real command in a project (a free
 * loopback port, its URL read from what it prints), a page of headless Chromium (helpers/browser.ts)
 * that records console errors and every request, and a copy of this repository's committed run to serve.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { execa, type ResultPromise } from 'execa';
import type { Browser, Page } from 'playwright-core';
import { CLI, Project, REPO } from '../helpers/project.ts';

/** Where the tests leave screenshots; UI_SCREENSHOTS=docs/ui refreshes the README's. */
export const SCREENSHOTS = path.resolve(REPO, process.env.UI_SCREENSHOTS ?? 'test-results/ui');

export interface RunningUi {
  url: string;
  process: ResultPromise;
  stop(): Promise<void>;
}

export async function startUi(root: string, args: string[] = []): Promise<RunningUi> {
  const child = execa(process.execPath, [CLI, 'ui', '--port', '0', ...args], { cwd: root, reject: false, env: { CI: '1' } });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += String(d);
      const m = /serving .* at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve(m[1]!);
    });
    void child.then((r) => reject(new Error(`pipeline ui exited (${r.exitCode}): ${String(r.stderr)}`)));
  });
  return {
    url,
    process: child,
    stop: async () => {
      child.kill('SIGINT');
      const r = await child;
      assert.equal(r.exitCode, 0, `pipeline ui stopped cleanly on Ctrl-C: ${String(r.stderr)}`);
    },
  };
}

/** A page that records console errors and every URL it requests. */
export async function watchedPage(browser: Browser): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  return { page, errors, requests };
}

/** Opens a page of the UI and waits until it has drawn itself. */
export async function openPage(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('main[data-ready="true"], main[data-ready="error"]', { timeout: 60_000 });
  assert.equal(await page.getAttribute('main', 'data-ready'), 'true', `${url} drew itself: ${await page.textContent('main')}`);
}

/**
 * A copy of this repository's pipeline with the committed run's lock, metrics and report, as a
 * git repository with one commit (so ?rev=HEAD has something to read).
 */
export async function committedRunProject(): Promise<Project> {
  const p = await Project.fromRepo();
  for (const rel of ['pipeline.lock', 'artifacts/metrics', 'artifacts/report']) {
    await mkdir(path.dirname(path.join(p.root, rel)), { recursive: true });
    await cp(path.join(REPO, rel), path.join(p.root, rel), { recursive: true });
  }
  const git = promisify(execFile);
  await git('git', ['init', '-q'], { cwd: p.root });
  await git('git', ['add', 'pipeline.lock', 'artifacts', 'pipeline.yaml'], { cwd: p.root });
  await git('git', ['-c', 'user.name=test', '-c', 'user.email=test@invalid', 'commit', '-qm', 'the committed run'], { cwd: p.root });
  return p;
}
