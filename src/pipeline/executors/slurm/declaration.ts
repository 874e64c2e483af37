/**
 * The slurm executor, as the registry lists it: `--executor slurm`, a `slurm:` section in
 * .pipeline/config.yaml or pipeline.yaml, and the keys of a stage's `resources:` it reads.
 */
import type { ExecutorDeclaration } from '../declaration.ts';

export const slurmExecutor = {
  name: 'slurm',
  where: 'as SLURM jobs',
  // A cluster's partitions and limits are the project's as much as the machine's: pipeline.yaml may hold them.
  inPipelineFile: true,
  flags: {
    nice: { type: 'string', value: 'N', help: "submit every job with sbatch's --nice=N (0 to 10000): behind your other jobs (default: slurm.resources.nice)" },
  },
  settings: async () => {
    const { SlurmSectionSchema, ResourcesSchema } = await import('./settings.ts');
    return { section: SlurmSectionSchema, stageResources: ResourcesSchema };
  },
  open: async (ctx) => (await import('./choose.ts')).openSlurmExecutor(ctx),
} as const satisfies ExecutorDeclaration;
