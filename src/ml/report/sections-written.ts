/**
 * The written homework: Part 1 (backpropagation, with the gradient check) and Part 2.1 (theory,
 * with Table 1). The stages' own Markdown fragments carry the prose; the tables come from the JSON
 * unless the fragment already holds them. Also the search's fragment, when successive halving ran.
 */
import type { ReportModel } from './report-model.ts';
import { code, count, dropLeadingHeading, hasTable, prose, sci, shiftHeadings, table } from './md-format.ts';

/** A stage's Markdown fragment under one of the report's part headings. */
const fragmentBody = (md: string) => shiftHeadings(dropLeadingHeading(md.trim()), 3);

const GRADCHECK_HEADER = ['Parameter', 'Shape', 'Entries checked'];
const TABLE1_HEADER = ['Row', 'Column', 'Filter', 'Value'];

export function backpropSection({ inputs }: ReportModel): string {
  const g = inputs.gradcheck;
  const fragment = inputs.fragments.gradcheck;
  const parts = ['## Part 1: Backpropagation', fragmentBody(fragment)];
  // The gradcheck stage may already print the table in its fragment; the report adds it only when not.
  if (!hasTable(fragment, GRADCHECK_HEADER)) {
    const rows = g.parameters.map((p) => [
      code(p.name),
      p.shape.join(' × '),
      count(p.entries_checked),
      sci(p.max_rel_error_fd),
      sci(p.max_rel_error_autodiff),
      p.pass ? 'pass' : '**FAIL**',
    ]);
    const conventions = g.conventions.map((c) => `${c.name} ${c.loss.toPrecision(6)}`).join('; ');
    const tolerances =
      g.autodiff_tolerance !== undefined
        ? `tolerances ${sci(g.tolerance)} (finite differences) and ${sci(g.autodiff_tolerance)} (autodiff)`
        : `tolerance ${sci(g.tolerance)}`;
    parts.push(
      '### Gradient check',
      `The hand-derived gradients against finite differences and against automatic differentiation, ` +
        `on a batch of ${g.batch_size} (seed ${g.seed}); maximum relative error per parameter, ${tolerances}. ` +
        `Loss on that batch: ${conventions}. Overall: **${g.pass ? 'all gradients agree' : 'some gradients disagree'}**.`,
      table([...GRADCHECK_HEADER, 'Max rel. error vs finite differences', 'Max rel. error vs autodiff', 'Result'], rows, [
        'left',
        'left',
        'right',
        'right',
        'right',
        'left',
      ]),
    );
  } else if (!g.pass) {
    parts.push('**The gradient check failed**: see the table above.');
  }
  return parts.join('\n\n');
}

export function theorySection({ inputs }: ReportModel): string {
  const t = inputs.theory;
  const fragment = inputs.fragments.theory;
  // theory.json holds every answer too, so 2.1 stands without the prose fragment.
  const answers =
    fragment !== undefined
      ? fragmentBody(fragment)
      : t.questions
          .map((q) =>
            [
              `### ${q.id} ${prose(q.question)}`,
              `**Answer:** ${prose(q.answer)}`,
              ...(q.working.length > 0 ? [q.working.map((w) => `- ${prose(w)}`).join('\n')] : []),
            ].join('\n\n'),
          )
          .join('\n\n');
  const parts = ['## Part 2.1: Theory', answers];
  if (fragment === undefined || !hasTable(fragment, TABLE1_HEADER)) {
    const rows = t.toy_convolution.table1.map((r) => [String(r.row), String(r.column), String(r.filter), String(r.value)]);
    const full = t.toy_convolution.output.map((f, i) => `Filter ${i + 1}: ${f.map((row) => `[${row.join(', ')}]`).join(' ')}`);
    parts.push(
      '### Table 1: Output from convolution',
      table(TABLE1_HEADER, rows, ['right', 'right', 'right', 'right']),
      `The whole 3 × 3 × 2 output, rows top to bottom (computed, not typed in):\n\n${full.map((l) => `- ${l}`).join('\n')}`,
    );
  }
  return parts.join('\n\n');
}

/** How the experiments were searched, when not the full grid: search-collect's fragment. */
export function halvingSection({ inputs }: ReportModel): string | undefined {
  const fragment = inputs.fragments.search;
  return fragment === undefined ? undefined : ['### How the experiments were searched: successive halving', fragmentBody(fragment)].join('\n\n');
}
