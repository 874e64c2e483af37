/**
 * Experiments: the table `pipeline exp show` prints, sortable (click a header) and filterable
 * (exp show's --where conditions), revisions side by side (?rev=HEAD~3&rev=workspace), the best by
 * validation marked, per-class accuracy on demand, CSV of the same view, and a selection that
 * the Curves and Compare pages open. Long tables draw only the rows in view.
 */
import type { ExperimentsView } from '../experiments.ts';
import { live } from './live.ts';
import { expQuery, formatCell, getJson, h, params, problemBox, setParams } from './util.ts';

const ROW_HEIGHT = 26;
/** Tables up to this many rows are drawn whole; longer ones only around the rows in view. */
const WHOLE = 300;

export async function experimentsPage(main: HTMLElement): Promise<void> {
  const p = params();
  const selected = new Set(p.getAll('sel'));
  const revInput = h('input', {
    id: 'revs',
    type: 'text',
    value: p.getAll('rev').join(' '),
    placeholder: 'workspace',
    size: '24',
    title: 'git revisions, space-separated (as exp show REV...)',
  });
  const whereInput = h('input', {
    id: 'where',
    type: 'text',
    value: p.getAll('where').join(' '),
    placeholder: 'e.g. test_accuracy>=0.92 experiment~drop0.3',
    size: '44',
  });
  const perClass = h('input', { id: 'per-class', type: 'checkbox', checked: p.get('perclass') === '1' });
  const csv = h('a', { id: 'csv', href: '#', download: 'experiments.csv' }, 'CSV');
  const curves = h('a', { id: 'open-curves', href: '/curves' }, 'Curves of selected');
  const compare = h('a', { id: 'open-compare', href: '/compare' }, 'Compare selected');
  const command = h('code', { id: 'command' });
  const status = h('span', { id: 'count', class: 'muted' });
  const holder = h('div', { id: 'table-holder', class: 'table-holder' });
  main.replaceChildren(
    h(
      'form',
      { class: 'controls', id: 'controls' },
      h('label', {}, 'Revisions ', revInput),
      h('label', {}, 'Filter ', whereInput),
      h('label', {}, perClass, ' per-class accuracy'),
      h('button', { type: 'submit' }, 'Apply'),
      csv,
      curves,
      compare,
    ),
    h('p', { class: 'muted' }, 'Same as ', command, ' · ', status),
    holder,
  );

  let view: ExperimentsView | undefined;

  const state = (): URLSearchParams => {
    const q = new URLSearchParams();
    for (const r of revInput.value.split(/\s+/).filter(Boolean)) q.append('rev', r);
    const sort = params().get('sort');
    if (sort) q.set('sort', sort);
    for (const w of whereInput.value.split(/\s+/).filter(Boolean)) q.append('where', w);
    if (perClass.checked) q.set('perclass', '1');
    for (const s of selected) q.append('sel', s);
    return q;
  };

  const links = (): void => {
    const q = state();
    const api = new URLSearchParams();
    for (const k of ['rev', 'sort', 'where', 'perclass']) for (const v of q.getAll(k)) api.append(k, v);
    csv.setAttribute('href', `/api/experiments.csv?${api}`);
    const sel = expQuery(selected);
    curves.setAttribute('href', `/curves?${sel}`);
    compare.setAttribute('href', `/compare?${sel}`);
    const args = [...q.getAll('rev').map((r) => ` ${r}`), q.get('sort') ? ` --sort ${q.get('sort')}` : '', ...q.getAll('where').map((w) => ` --where '${w}'`)];
    command.textContent = `pipeline exp show${args.join('')}${perClass.checked ? ' --all' : ''}`;
  };

  const load = async (): Promise<void> => {
    const q = state();
    setParams(q);
    links();
    const api = new URLSearchParams();
    for (const k of ['rev', 'sort', 'where']) for (const v of q.getAll(k)) api.append(k, v);
    view = await getJson<ExperimentsView>(`/api/experiments?${api}`);
    draw();
  };

  const draw = (): void => {
    if (!view) return;
    if (view.problem) {
      holder.replaceChildren(problemBox(view.problem));
      status.textContent = '';
      return;
    }
    if (view.total === 0) {
      holder.replaceChildren(h('p', { class: 'empty' }, 'No experiments recorded yet: run the pipeline (pipeline run), and they appear here as they finish.'));
      status.textContent = '';
      return;
    }
    const cols = view.columns.map((c, i) => ({ ...c, i })).filter((c) => perClass.checked || !c.onDemand);
    const sort = params().get('sort') ?? '';
    const table = h('table', { class: 'experiments', id: 'experiments' });
    const head = h('tr', {}, h('th', { class: 'sel' }));
    for (const c of cols) {
      const dir = sort === c.name ? 'asc' : sort === `${c.name}:desc` ? 'desc' : undefined;
      const th = h('th', { class: `${c.kind}${dir ? ` sorted-${dir}` : ''}`, 'data-column': c.name, title: `sort by ${c.name}` }, c.name);
      th.addEventListener('click', () => {
        const q = params();
        // Unsorted -> ascending -> descending -> unsorted, as most tables do.
        if (dir === undefined) q.set('sort', c.name);
        else if (dir === 'asc') q.set('sort', `${c.name}:desc`);
        else q.delete('sort');
        setParams(q);
        void load();
      });
      head.append(th);
    }
    table.append(h('thead', {}, head));
    const body = h('tbody');
    table.append(body);
    const rows = view.rows;
    const renderRange = (from: number, to: number): void => {
      const frag = document.createDocumentFragment();
      if (from > 0) frag.append(h('tr', { class: 'spacer', style: `height:${from * ROW_HEIGHT}px` }));
      for (let i = from; i < to; i++) {
        const r = rows[i]!;
        const key = view!.revs.length > 1 ? `${r.rev}:${r.id}` : r.id;
        const best = view!.best[r.rev] === r.id;
        const box = h('input', { type: 'checkbox', 'data-id': key, checked: selected.has(key), title: 'select for Curves and Compare' });
        box.addEventListener('change', () => {
          if (box.checked) selected.add(key);
          else selected.delete(key);
          setParams(state());
          links();
        });
        const tr = h('tr', { 'data-id': r.id, class: best ? 'best' : undefined }, h('td', { class: 'sel' }, box));
        const running = live.run?.instances.get(`${view!.stage}@${r.id}`);
        for (const c of cols) {
          const v = r.cells[c.i];
          const td = h('td', { class: typeof v === 'number' ? 'num' : undefined }, formatCell(v));
          if (c.kind === 'experiment') {
            if (best) td.append(h('span', { class: 'best-mark', title: 'best by validation accuracy' }, ' ★ best'));
            if (running?.state === 'running') td.append(h('span', { class: 'badge' }, ' running'));
          }
          tr.append(td);
        }
        frag.append(tr);
      }
      if (to < rows.length) frag.append(h('tr', { class: 'spacer', style: `height:${(rows.length - to) * ROW_HEIGHT}px` }));
      body.replaceChildren(frag);
    };
    holder.replaceChildren(table);
    if (rows.length <= WHOLE) renderRange(0, rows.length);
    else {
      holder.classList.add('virtual');
      const update = (): void => {
        const first = Math.max(0, Math.floor(holder.scrollTop / ROW_HEIGHT) - 20);
        const count = Math.ceil(holder.clientHeight / ROW_HEIGHT) + 40;
        renderRange(first, Math.min(rows.length, first + count));
      };
      let pending = false;
      holder.onscroll = () => {
        if (pending) return;
        pending = true;
        requestAnimationFrame(() => {
          pending = false;
          update();
        });
      };
      update();
    }
    status.textContent = `${rows.length} of ${view.total} experiment${view.total === 1 ? '' : 's'}`;
    markPainted();
  };

  main.querySelector('form')!.addEventListener('submit', (e) => {
    e.preventDefault();
    void load();
  });
  perClass.addEventListener('change', () => {
    setParams(state());
    links();
    draw();
  });
  live.on((kind) => {
    if (kind === 'changed') void load();
  });
  await load();
}

/** For the bench and the tests: when the first table has been painted. */
function markPainted(): void {
  if (performance.getEntriesByName('table-painted').length > 0) return;
  requestAnimationFrame(() => setTimeout(() => performance.mark('table-painted'), 0));
}
