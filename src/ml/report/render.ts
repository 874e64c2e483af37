/**
 * Writes the whole report: figures (SVG), CSV tables, report.md and index.html into `reportDir`,
 * and one TensorBoard run per training history into `tensorboardDir`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { experimentById } from './analysis.ts';
import { confusionCsv, leaderboardCsv, perClassCsv } from './csv.ts';
import { renderHtml } from './html.ts';
import type { ReportInputs } from './inputs.ts';
import { FILES } from './layout.ts';
import { renderMarkdown } from './markdown.ts';
import type { ReportConfig } from './config.ts';
import { confusionSpec, curvesSpec, leaderboardSpec, perClassSpec } from './plot-specs.ts';
import type { Provenance } from './provenance.ts';
import { renderSvg } from './svg.ts';
import { writeTensorboardRuns } from './tensorboard/writer.ts';

export interface RenderTargets {
  reportDir: string;
  tensorboardDir: string;
}

export async function renderReport(
  inputs: ReportInputs,
  config: ReportConfig,
  provenance: Provenance,
  to: RenderTargets,
): Promise<{ files: string[]; warnings: string[] }> {
  const s = inputs.summary;
  const best = experimentById(s, s.best);
  await mkdir(to.reportDir, { recursive: true });
  await mkdir(to.tensorboardDir, { recursive: true });
  const specs = [
    [FILES.curves, curvesSpec(s, inputs.histories)],
    [FILES.leaderboardPlot, leaderboardSpec(s)],
    [FILES.perClassPlot, perClassSpec(s, best)],
    [FILES.confusionPlot, confusionSpec(s, best)],
  ] as const;
  const svgs = new Map<string, string>();
  const warnings: string[] = [];
  for (const [file, spec] of specs) {
    const r = await renderSvg(spec, file.replace(/\.svg$/, ''));
    svgs.set(file, r.svg);
    warnings.push(...r.warnings.map((w) => `${file}: ${w}`));
  }
  const markdown = renderMarkdown({ inputs, config, provenance });
  const outputs = new Map<string, string>([
    ...svgs,
    [FILES.leaderboardCsv, leaderboardCsv(s)],
    [FILES.perClassCsv, perClassCsv(s)],
    [FILES.confusionCsv, confusionCsv(s, best)],
    [FILES.markdown, markdown],
    [FILES.html, renderHtml(markdown, config.title, svgs)],
  ]);
  const files: string[] = [];
  for (const [name, text] of outputs) {
    const file = path.join(to.reportDir, name);
    await writeFile(file, text);
    files.push(file);
  }
  const wallTime = Date.parse(provenance.generatedAt) / 1000;
  files.push(...(await writeTensorboardRuns(to.tensorboardDir, inputs.histories, wallTime)));
  return { files, warnings };
}
