/**
 * report: renders the homework report (artifacts/report: index.html, report.md, SVG figures, CSV)
 * and the TensorBoard runs (artifacts/tensorboard) from the metrics the other stages wrote.
 */
import path from 'node:path';
import { defineStage, type StageContext } from '../src/pipeline/stage.ts';
import { readReportInputs } from '../src/ml/report/inputs.ts';
import { ReportStageParamsSchema } from '../src/ml/report/params.ts';
import { collectProvenance } from '../src/ml/report/provenance.ts';
import { REFERENCE_FILE } from '../src/ml/report/reference.ts';

/** A declared dep's resolved path, found by its path in pipeline.yaml rather than its position. */
function dep(ctx: StageContext<unknown>, declared: string): string {
  const want = path.resolve(ctx.root, declared);
  return ctx.deps.find((d) => d === want) ?? want;
}

export default defineStage({
  description: 'Render the report (HTML, Markdown, plots, CSV) and the TensorBoard logs',
  params: ReportStageParamsSchema,
  async run(ctx) {
    ctx.progress({ step: 'reading metrics' });
    const inputs = await readReportInputs({
      gradcheck: dep(ctx, 'artifacts/metrics/gradcheck.json'),
      theory: dep(ctx, 'artifacts/metrics/theory.json'),
      summary: dep(ctx, 'artifacts/metrics/summary.json'),
      trainDir: dep(ctx, 'artifacts/metrics/train'),
      fragmentsDir: dep(ctx, 'artifacts/fragments'),
      reference: dep(ctx, REFERENCE_FILE),
    });
    if (inputs.ignoredHistories.length > 0) {
      ctx.log(`not in summary.json, left out: ${inputs.ignoredHistories.join(', ')}`);
    }
    const params = ctx.params.report;
    const provenance = await collectProvenance(ctx.root, params.command, inputs, new Date());
    ctx.progress({ step: 'rendering', message: `${inputs.summary.experiments.length} experiments` });
    // Loaded when the stage runs: vega is heavy, and the runner imports every stage module to plan.
    const { renderReport } = await import('../src/ml/report/render.ts');
    const { files, warnings } = await renderReport(inputs, params, provenance, {
      reportDir: ctx.out('artifacts/report'),
      tensorboardDir: ctx.out('artifacts/tensorboard'),
    });
    for (const w of warnings) ctx.log(`warning: ${w}`);
    ctx.log(`wrote ${files.length} files; open artifacts/report/index.html`);
  },
});
