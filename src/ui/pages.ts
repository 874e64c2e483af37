/** The page shell: the same small HTML for every page; the client draws the page it names. */
export const PAGES = ['experiments', 'curves', 'compare', 'grid', 'pipeline', 'report'] as const;
export type Page = (typeof PAGES)[number];

const TITLES: Record<Page, string> = {
  experiments: 'Experiments',
  curves: 'Curves',
  compare: 'Compare',
  grid: 'Grid',
  pipeline: 'Pipeline',
  report: 'Report',
};

const escape = (s: string): string => s.replace(/[&<>"]/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' }[c]};`);

export function shellPage(page: string, profile: string | undefined): string {
  const nav = PAGES.map((p) => `<a href="/${p}"${p === page ? ' aria-current="page"' : ''}>${TITLES[p]}</a>`).join('');
  const title = TITLES[page as Page] ?? page;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · pipeline ui</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app/style.css">
<script type="module" src="/app/main.js"></script>
</head>
<body data-page="${escape(page)}">
<header><strong>pipeline ui</strong>${profile ? ` <span class="profile">profile ${escape(profile)}</span>` : ''}<nav>${nav}</nav><span id="run-state"></span></header>
<main id="main"></main>
</body>
</html>
`;
}
