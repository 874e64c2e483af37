/**
 * gradcheck (homework part 1): checks the hand-derived gradients of the 2-500-2 network against
 * finite differences and tfjs autodiff, writes the metrics and the derivation for the report, and
 * fails when an error exceeds its tolerance.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { UserError, defineStage } from '../src/stage-api.ts';
import { GradcheckConfigSchema } from '../src/ml/gradcheck/config.ts';
import { gradcheckFragment } from '../src/ml/gradcheck/fragment.ts';

async function write(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

export default defineStage({
  description: 'Check the hand-derived gradients (part 1) against finite differences and tfjs autodiff',
  item: z.object({ gradcheck: GradcheckConfigSchema }),
  async run(ctx) {
    // Imported here, not at the top: it loads tfjs, and the runner imports every stage module to plan.
    const { runGradcheck } = await import('../src/ml/gradcheck/check.ts');
    const report = await runGradcheck(ctx.item.gradcheck, ctx.runtime);
    await write(ctx.out('metrics'), `${JSON.stringify(report, null, 2)}\n`);
    await write(ctx.out('fragment'), gradcheckFragment(report));
    for (const p of report.parameters) {
      ctx.log(
        `${p.name}: max rel. error ${p.max_rel_error_fd.toExponential(2)} vs finite differences, ${p.max_rel_error_autodiff.toExponential(2)} vs autodiff`,
      );
    }
    if (!report.pass) {
      throw new UserError(
        report.parameters
          .filter((p) => !p.pass)
          .map((p) => ({
            field: `gradcheck.${p.name}`,
            message:
              `gradient check failed: max relative error ${p.max_rel_error_fd.toExponential(2)} vs finite differences ` +
              `(tolerance ${report.tolerance}), ${p.max_rel_error_autodiff.toExponential(2)} vs autodiff (tolerance ${report.autodiff_tolerance})`,
          })),
      );
    }
  },
});
