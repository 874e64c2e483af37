/** The Markdown fragment of homework 2.1 for the report (LaTeX matrices for the toy convolution). */
import type { TheoryReport } from '../metrics/schemas.ts';

const bmatrix = (m: number[][]): string => String.raw`\begin{bmatrix} ${m.map((r) => r.join(' & ')).join(String.raw` \\ `)} \end{bmatrix}`;

export function theoryFragment(r: TheoryReport): string {
  const lines: string[] = ['## 2.1 Convolutional networks: theory', ''];
  for (const q of r.questions) {
    lines.push(`**${q.id}.** ${q.question}`, '', `**Answer:** ${q.answer}`, '');
    lines.push(...q.working.map((w) => `- ${w.replace(/\*/g, '\\*')}`), '');
    if (q.id === '2.1.4') lines.push(...toySection(r.toy_convolution), '');
  }
  return lines.join('\n');
}

function toySection(t: TheoryReport['toy_convolution']): string[] {
  const out: string[] = [];
  if (t.image && t.filters) {
    const filters = t.filters.map((f, i) => String.raw`\text{filter ${i + 1}} = ${bmatrix(f)}`).join(String.raw` \quad `);
    out.push(`$$\\text{input} = ${bmatrix(t.image)} \\quad ${filters}$$`, '');
  }
  const outputs = t.output.map((o, i) => String.raw`\text{output}_{${i + 1}} = ${bmatrix(o)}`).join(String.raw` \quad `);
  out.push(`Full ${t.output[0]?.length ?? 0} x ${t.output[0]?.[0]?.length ?? 0} x ${t.output.length} output, one matrix per filter:`, '', `$$${outputs}$$`, '');
  out.push('| Row | Column | Filter | Value |', '|---|---|---|---|', ...t.table1.map((c) => `| ${c.row} | ${c.column} | ${c.filter} | ${c.value} |`), '');
  out.push('*Table 1: output from convolution.*');
  return out;
}
