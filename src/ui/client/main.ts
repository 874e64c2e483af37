/** The client of pipeline ui: draws the page the shell names and keeps the run's state live. */
import { comparePage } from './compare.ts';
import { curvesPage } from './curves.ts';
import { experimentsPage } from './experiments.ts';
import { gridPage } from './grid.ts';
import { live } from './live.ts';
import { pipelinePage } from './pipeline.ts';
import { reportPage } from './report.ts';
import { formatSeconds, problemBox } from './util.ts';

const PAGES: Record<string, (main: HTMLElement) => Promise<void>> = {
  experiments: experimentsPage,
  curves: curvesPage,
  compare: comparePage,
  grid: gridPage,
  pipeline: pipelinePage,
  report: reportPage,
};

function runBadge(): void {
  const el = document.getElementById('run-state')!;
  const run = live.run;
  if (!run) return void (el.textContent = 'no run yet');
  const all = [...run.instances.values()];
  const done = all.filter((i) => !['queued', 'running', 'restoring'].includes(i.state)).length;
  const running = all.filter((i) => i.state === 'running').length;
  el.className = run.finished ? 'finished' : 'running';
  el.textContent = run.finished
    ? `last run finished (${done} instances)`
    : `run in progress: ${running} running, ${done} of ${all.length} done, ${formatSeconds((Date.now() - run.started) / 1000)}`;
}

const main = document.getElementById('main')!;
const page = PAGES[document.body.dataset.page ?? ''];
live.on(() => runBadge());
live.connect();
runBadge();
main.dataset.ready = 'false';
(page ? page(main) : Promise.reject(new Error(`no page ${document.body.dataset.page}`)))
  .then(() => (main.dataset.ready = 'true'))
  .catch((e: unknown) => {
    main.replaceChildren(problemBox(String((e as Error).message ?? e)));
    main.dataset.ready = 'error';
  });
