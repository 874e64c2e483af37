/** The schema of pipeline.yaml. Types come from here (z.infer), nowhere else. */
import { z } from 'zod';
import { ExperimentsSpecSchema } from '../experiments/spec.ts';
import { VerifyRulesSchema } from '../verify/rules.ts';
import { RemotesSchema } from '../remote/schema.ts';
import { PIPELINE_FILE_SECTIONS } from '../executors/project-sections.ts';

export { PIPELINE_FILE } from './project-file.ts';

const keyPath = z.string().regex(/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/, 'must be a config key path like "train" or "train.lr"');

/** A project-relative path: no absolute paths, no "..", so that a pipeline only writes inside its project. */
const projectPath = z
  .string()
  .min(1, 'must not be empty')
  .refine((p) => !p.startsWith('/') && !/^[A-Za-z]:/.test(p), 'must be relative to the project root')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".."')
  .refine((p) => !/^\.pipeline(\/|$)/.test(p), "must not be inside .pipeline/ (the runner's own state)");

export const StageSpecSchema = z.strictObject({
  module: projectPath.refine((p) => /\.(ts|mts|js|mjs)$/.test(p), 'must be a .ts or .js module'),
  description: z.string().optional(),
  /** Config key paths whose values form the params object (only these affect the fingerprint). */
  params: z.array(keyPath).default([]),
  /** Config key paths handed to the module's matrix.instances(): one instance per item. */
  foreach: z.array(keyPath).min(1, 'must name at least one config key').optional(),
  /**
   * Plan this stage only when each config key path has this value (e.g. search.strategy:
   * successive-halving). Decided from the configs alone, so the plan stays static.
   */
  when: z.record(keyPath, z.union([z.string(), z.number(), z.boolean()])).optional(),
  deps: z.array(projectPath).default([]),
  outs: z.array(projectPath).min(1, 'a stage must declare at least one out'),
  /** For `pipeline verify`: outs that need not reproduce byte for byte, and how close they must be. */
  verify: VerifyRulesSchema.optional(),
  /**
   * What its jobs ask of a cluster (time, mem, cpus, partition...): the keys the executors declare,
   * checked by executors/project-sections.ts. Where an instance runs, not what it computes: in no
   * fingerprint.
   */
  resources: z.record(z.string(), z.unknown()).optional(),
});
export type StageSpec = z.infer<typeof StageSpecSchema>;

export const StageNameSchema = z.string().regex(/^[a-z][a-z0-9_-]*$/, 'stage names are lower-case letters, digits, "-" and "_"');

export const PipelineSpecSchema = z.strictObject({
  /** Run-cache directory; shared between clones when pointed outside the project. */
  cache: z.string().min(1).default('artifacts/cache'),
  /** Where push, pull and the shared run-cache go (read by remote/config.ts, not by the plan). */
  remotes: RemotesSchema.optional(),
  stages: z.record(StageNameSchema, StageSpecSchema).refine((s) => Object.keys(s).length > 0, 'a pipeline needs at least one stage'),
  /** What `pipeline exp show` and `metrics diff` call an experiment; the runner ignores it. */
  experiments: ExperimentsSpecSchema.optional(),
  // Each executor's section that may be committed (`slurm:`), checked by executors/project-sections.ts.
  ...Object.fromEntries(PIPELINE_FILE_SECTIONS.map((name) => [name, z.unknown().optional()])),
});
export type PipelineSpec = z.infer<typeof PipelineSpecSchema>;
