/**
 * index.html: report.md rendered with marked (math as MathML via KaTeX, which needs no fonts or
 * CSS), each figure inlined as its SVG. One file with no external references, so it opens from disk;
 * its Content-Security-Policy forbids every fetch, so a stray reference fails loudly in the browser test.
 */
import { Marked, type Tokens } from 'marked';
import markedKatex from 'marked-katex-extension';
import { unicodeMathVariants } from './mathml-variants.ts';
import { prose } from './md-format.ts';

const STYLE = `
body { font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328; margin: 0; background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 64px; }
h1 { font-size: 1.9em; border-bottom: 2px solid #e6550d; padding-bottom: .3em; }
h2 { font-size: 1.45em; margin-top: 2.2em; border-bottom: 1px solid #d0d7de; padding-bottom: .25em; }
h3 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: 1em 0; font-size: .86em; display: block; overflow-x: auto; max-width: 100%; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; }
th { background: #f6f8fa; }
td code, td[align="right"] { white-space: nowrap; }
tr:nth-child(even) td { background: #fbfbfc; }
code { font: .88em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f3f4f6; padding: .1em .3em; border-radius: 4px; }
figure.plot { margin: 1.5em 0; overflow-x: auto; }
figure.plot svg { max-width: 100%; height: auto; }
figcaption { color: #57606a; font-size: .9em; margin-top: .3em; }
/* Installed math fonts only (no download): brackets and sums stretch only with an OpenType MATH table. */
math { font-family: "STIX Two Math", "Cambria Math", "Latin Modern Math", "DejaVu Math TeX Gyre", math; }
/* Glyphs reach a few pixels past the box of a display equation: padding holds them, so only a
   really wide equation scrolls, and never vertically. */
math[display="block"] { margin: 1em 0; padding: .3em .5em; overflow-x: auto; overflow-y: hidden; }
/* Printed (what a student hands in as a PDF): a scroll box prints as a cut-off table with a dead
   scrollbar, so every table, figure and equation is laid out to the page's width instead (tables
   in a smaller type); headings stay with what follows them, and no figure, table row or
   paragraph's first or last lines are left alone on a page. */
@page { margin: 14mm 12mm; }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  h1, h2, h3, h4 { break-after: avoid; break-inside: avoid; }
  h2 { margin-top: 1.6em; }
  p, li { orphans: 3; widows: 3; }
  table { display: table; overflow: visible; width: auto; max-width: 100%; font-size: 7.5pt; }
  thead { display: table-header-group; }
  table, tr, figure, math[display="block"], pre { break-inside: avoid; }
  /* The sentence that introduces a figure or a table goes with it. */
  p:has(+ figure, + table), p:has(+ p math[display="block"]) { break-after: avoid; }
  th, td { padding: 2px 4px; }
  figure.plot { overflow: visible; }
  figure.plot svg { display: block; max-width: 100%; height: auto; }
  math[display="block"] { overflow: visible; max-width: 100%; font-size: .9em; }
  a { color: inherit; }
}
`;

/** Renders report.md; `svgs` maps each figure's file name (as referenced) to its SVG text. */
export function renderHtml(markdown: string, title: string, svgs: ReadonlyMap<string, string>): string {
  const marked = new Marked({ gfm: true });
  marked.use(markedKatex({ throwOnError: false, output: 'mathml', nonStandard: true }));
  marked.use({
    renderer: {
      // A paragraph holding only a figure becomes <figure> with the SVG inline (a <figure>
      // inside <p> is invalid HTML); anything else renders as marked would.
      paragraph(token: Tokens.Paragraph) {
        const only = token.tokens.length === 1 ? token.tokens[0] : undefined;
        if (only?.type !== 'image') return false;
        const img = only as Tokens.Image;
        const svg = svgs.get(img.href);
        if (svg === undefined) throw new Error(`figure ${img.href} was not rendered`);
        const name = img.href.replace(/\.svg$/, '');
        return `<figure class="plot" data-plot="${name}">${svg}<figcaption>${prose(img.text)}</figcaption></figure>\n`;
      },
    },
  });
  const body = unicodeMathVariants(marked.parse(markdown, { async: false }));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${prose(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}</main>
</body>
</html>
`;
}
