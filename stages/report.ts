/**
 * report: renders the homework report (artifacts/report: index.html, report.md, SVG figures, CSV)
 * and the TensorBoard runs (artifacts/tensorboard) from the metrics the other stages wrote.
 */
import { defineStage } from '../src/stage-api.ts';
import { readReportInputs } from '../src/ml/report/inputs.ts';
import { ReportStageParamsSchema } from '../src/ml/report/config.ts';
import { collectProvenance } from '../src/ml/report/provenance.ts';
import { REFERENCE_FILE } from '../src/ml/report/reference.ts';
import { ABLATION_FILE } from '../src/ml/report/ablation.ts';

export default defineStage({
  description: 'Render the report (HTML, Markdown, plots, CSV) and the TensorBoard logs',
  params: ReportStageParamsSchema,
  async run(ctx) {
    ctx.progress({ step: 'reading metrics' });
    const inputs = await readReportInputs({
      gradcheck: ctx.dep('artifacts/metrics/gradcheck.json'),
      theory: ctx.dep('artifacts/metrics/theory.json'),
      summary: ctx.dep('artifacts/metrics/summary.json'),
      trainDir: ctx.dep('artifacts/metrics/train'),
      fragmentsDir: ctx.dep('artifacts/fragments'),
      reference: ctx.dep(REFERENCE_FILE),
      ablation: ctx.dep(ABLATION_FILE),
    });
    if (inputs.ignoredHistories.length > 0) {
      ctx.log(`not in summary.json, left out: ${inputs.ignoredHistories.join(', ')}`);
    }
    const config = ctx.params.report;
    const provenance = await collectProvenance(ctx.root, config.command, inputs, new Date());
    ctx.progress({ step: 'rendering', message: `${inputs.summary.experiments.length} experiments` });
    // Loaded when the stage runs: vega is heavy, and the runner imports every stage module to plan.
    const { renderReport } = await import('../src/ml/report/render.ts');
    const { files, warnings } = await renderReport(inputs, config, provenance, {
      reportDir: ctx.out('artifacts/report'),
      tensorboardDir: ctx.out('artifacts/tensorboard'),
    });
    for (const w of warnings) ctx.log(`warning: ${w}`);
    ctx.log(`wrote ${files.length} files; open artifacts/report/index.html`);
  },
});
