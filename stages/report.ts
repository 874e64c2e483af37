/**
 * report: renders the homework report (artifacts/report: index.html, report.md, SVG figures, CSV)
 * and the TensorBoard runs (artifacts/tensorboard) from the metrics the other stages wrote.
 */
import { defineStage } from '../src/stage-api.ts';
import { readReportInputs } from '../src/ml/report/inputs.ts';
import { ReportStageParamsSchema } from '../src/ml/report/config.ts';
import { collectProvenance } from '../src/ml/report/provenance.ts';

export default defineStage({
  description: 'Render the report (HTML, Markdown, plots, CSV) and the TensorBoard logs',
  item: ReportStageParamsSchema,
  async run(ctx) {
    ctx.progress({ step: 'reading metrics' });
    const inputs = await readReportInputs({
      gradcheck: ctx.dep('gradcheck'),
      theory: ctx.dep('theory'),
      summary: ctx.dep('summary'),
      trainDir: ctx.dep('histories'),
      fragmentsDir: ctx.dep('fragments'),
      reference: ctx.dep('reference'),
      ablation: ctx.dep('ablation'),
    });
    if (inputs.ignoredHistories.length > 0) {
      ctx.log(`not in summary.json, left out: ${inputs.ignoredHistories.join(', ')}`);
    }
    const config = ctx.item.report;
    const provenance = await collectProvenance(ctx.root, config.command, inputs, new Date());
    ctx.progress({ step: 'rendering', message: `${inputs.summary.experiments.length} experiments` });
    // Loaded when the stage runs: vega is heavy, and the runner imports every stage module to plan.
    const { renderReport } = await import('../src/ml/report/render.ts');
    const { files, warnings } = await renderReport(inputs, config, provenance, {
      reportDir: ctx.out('report'),
      tensorboardDir: ctx.out('tensorboard'),
    });
    for (const w of warnings) ctx.log(`warning: ${w}`);
    ctx.log(`wrote ${files.length} files; open artifacts/report/index.html`);
  },
});
