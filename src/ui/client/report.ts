/** Report: the rendered homework report (artifacts/report/index.html), as the pipeline wrote it. */
import { getJson, h } from './util.ts';

export async function reportPage(main: HTMLElement): Promise<void> {
  const { url } = await getJson<{ url: string | null }>('/api/report');
  if (!url)
    return void main.replaceChildren(h('p', { class: 'empty' }, 'No report yet: the report stage writes artifacts/report/index.html when the pipeline runs.'));
  main.replaceChildren(
    h('p', {}, h('a', { href: url, target: '_blank', rel: 'noopener' }, 'open on its own')),
    h('iframe', { id: 'report', src: url, title: 'report' }),
  );
}
