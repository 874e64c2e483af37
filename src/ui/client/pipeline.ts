/**
 * Pipeline: the DAG of every planned instance, coloured by its state (fresh, stale, restorable,
 * re-checked after a stale upstream), with the current run's states over it (queued, running with
 * progress and ETA, failed with its error), updated live. Clicking an instance shows its deps,
 * outs, why it is stale, its last run and the end of its log.
 */
import type { InstanceView, PipelineView } from '../pipeline-state.ts';
import { live, type LiveInstance } from './live.ts';
import { formatSeconds, getJson, h, params, problemBox, setParams } from './util.ts';

const SVG = 'http://www.w3.org/2000/svg';
const COL = 250;
const ROW = 30;
const NODE_W = 220;
const NODE_H = 22;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** The state drawn: the run's, while it runs or when it failed, else the status's. */
export function shownState(s: InstanceView, l: LiveInstance | undefined): string {
  if (l && ['queued', 'running', 'restoring', 'failed', 'skipped'].includes(l.state)) return l.state;
  if (s.state === 'fresh') return 'fresh';
  if (s.state === 'downstream') return 'downstream';
  return s.restorable ? 'restorable' : 'stale';
}

export function progressWords(s: InstanceView | undefined, l: LiveInstance | undefined, now = Date.now()): string {
  if (!l || l.state !== 'running') return '';
  const u = l.progress;
  const parts: string[] = [];
  if (u?.step) parts.push(u.step);
  if (u?.current !== undefined && u.total) parts.push(`${u.current}/${u.total}${u.unit ? ` ${u.unit}` : ''}`);
  if (u?.message) parts.push(u.message);
  const elapsed = l.started ? (now - l.started) / 1000 : 0;
  // From its last recorded run when there is one; the stage's own ETA is in its message.
  if (s?.estimate_seconds && !u?.message?.includes('ETA'))
    parts.push(`ETA ${formatSeconds(Math.max(0, s.estimate_seconds - elapsed))} (last run took ${formatSeconds(s.estimate_seconds)})`);
  parts.push(`running ${formatSeconds(elapsed)}`);
  return parts.join(' · ');
}

export async function pipelinePage(main: HTMLElement): Promise<void> {
  const graph = h('div', { id: 'dag', class: 'dag' });
  const details = h('aside', { id: 'details', class: 'details' }, h('p', { class: 'muted' }, 'Click an instance for its deps, outs, causes and log.'));
  const summary = h('p', { id: 'summary', class: 'muted' });
  main.replaceChildren(summary, h('div', { class: 'side-by-side' }, graph, details));
  let view: PipelineView | undefined;
  let selected = params().get('id') ?? undefined;

  const load = async (): Promise<void> => {
    view = await getJson<PipelineView>('/api/pipeline');
    draw();
    if (selected) void showDetails(selected);
  };

  const draw = (): void => {
    if (!view) return;
    if (view.problem) return void graph.replaceChildren(problemBox(view.problem));
    const depth = new Map<string, number>();
    for (const i of view.instances) depth.set(i.id, Math.max(0, ...i.upstream.map((u) => (depth.get(u) ?? 0) + 1)));
    const columns: InstanceView[][] = [];
    for (const i of view.instances) (columns[depth.get(i.id)!] ??= []).push(i);
    const pos = new Map<string, { x: number; y: number }>();
    columns.forEach((col, c) => col.forEach((i, r) => pos.set(i.id, { x: 10 + c * COL, y: 10 + r * ROW })));
    const width = 20 + columns.length * COL;
    const height = 20 + Math.max(...columns.map((c) => c.length)) * ROW;
    const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'pipeline graph' });
    const edges = svg('g', { class: 'edges' });
    root.append(edges);
    const counts: Record<string, number> = {};
    for (const i of view.instances) {
      const to = pos.get(i.id)!;
      for (const u of i.upstream) {
        const from = pos.get(u);
        if (!from) continue;
        const x1 = from.x + NODE_W;
        const y1 = from.y + NODE_H / 2;
        const x2 = to.x;
        const y2 = to.y + NODE_H / 2;
        edges.append(svg('path', { d: `M${x1},${y1} C${x1 + 15},${y1} ${x2 - 15},${y2} ${x2},${y2}` }));
      }
      const l = live.run?.instances.get(i.id);
      const state = shownState(i, l);
      counts[state] = (counts[state] ?? 0) + 1;
      const node = svg('g', {
        class: `node ${state}${i.id === selected ? ' selected' : ''}`,
        'data-id': i.id,
        'data-state': state,
        transform: `translate(${to.x},${to.y})`,
        tabindex: 0,
      });
      node.append(svg('rect', { width: NODE_W, height: NODE_H, rx: 4 }));
      const u = l?.progress;
      if (state === 'running' && u?.current !== undefined && u.total) {
        const e = /epoch (\d+)\/(\d+)/.exec(u.step ?? '');
        const fraction = e ? (Number(e[1]) - 1 + u.current / u.total) / Number(e[2]) : u.current / u.total;
        node.append(svg('rect', { class: 'bar', width: Math.max(2, NODE_W * Math.min(1, fraction)), height: 3, y: NODE_H - 3 }));
      }
      const label = svg('text', { x: 6, y: 15 });
      label.textContent = i.id.length > 32 ? `${i.id.slice(0, 31)}…` : i.id;
      const title = svg('title', {});
      title.textContent = `${i.id}: ${state}${i.reasons.length ? ` (${i.reasons.join('; ')})` : ''}`;
      node.append(label, title);
      node.addEventListener('click', () => {
        selected = i.id;
        const q = params();
        q.set('id', i.id);
        setParams(q);
        draw();
        void showDetails(i.id);
      });
      root.append(node);
    }
    graph.replaceChildren(root);
    const run = live.run;
    const runWords = run ? (run.finished ? `last run ${run.run} finished` : `run ${run.run} in progress`) : 'no run recorded';
    summary.textContent = `${view.instances.length} instances: ${Object.entries(counts)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ')} · ${runWords}`;
  };

  const showDetails = async (id: string): Promise<void> => {
    const s = view?.instances.find((i) => i.id === id);
    if (!s) return;
    const l = live.run?.instances.get(id);
    const { log } = await getJson<{ log: string | null }>(`/api/instance?id=${encodeURIComponent(id)}`);
    const list = (items: string[]): HTMLElement => h('ul', {}, ...items.map((x) => h('li', {}, h('code', {}, x))));
    details.replaceChildren(
      h('h2', {}, id),
      h('p', {}, s.description),
      h('p', {}, h('strong', { id: 'detail-state' }, shownState(s, l)), ' ', progressWords(s, l)),
      ...(l?.error ? [h('pre', { class: 'error' }, l.error)] : []),
      h('h3', {}, 'Why'),
      s.reasons.length ? list(s.reasons) : h('p', { class: 'muted' }, 'up to date: its code, item and inputs are as recorded'),
      ...(s.causes.length ? [h('details', {}, h('summary', {}, 'causes as data'), h('pre', {}, JSON.stringify(s.causes, null, 2)))] : []),
      h('h3', {}, 'Deps'),
      list(s.deps),
      h('h3', {}, 'Outs'),
      list(s.outs),
      h('h3', {}, 'Last run'),
      h('p', {}, s.last_run ? `${formatSeconds(s.last_run.seconds)}, peak ${s.last_run.peak_rss_mb} MB, finished ${s.last_run.finished_at}` : 'never'),
      h('h3', {}, 'Log'),
      h('pre', { class: 'log', id: 'log' }, log ?? (l?.log.length ? l.log.join('\n') : 'no log recorded')),
    );
  };

  let timer: number | undefined;
  live.on((kind, r) => {
    if (kind === 'changed') return void load();
    // Redraw at most a few times a second however many records arrive.
    timer ??= window.setTimeout(() => {
      timer = undefined;
      draw();
      if (selected && r && 'id' in r && r.id === selected) void showDetails(selected);
    }, 200);
  });
  await load();
}
