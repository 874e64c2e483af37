/**
 * The slurm executor's settings: the `slurm:` section of pipeline.yaml (the project's, committed)
 * and of .pipeline/config.yaml (this machine's own, beside `queue:`), and each stage's
 * `resources:` in pipeline.yaml. `resources` applies to every job; `stages` overrides it per stage
 * name ("train") or per instance ("train@vgg-bn"), the instance's entry winning. Types come from
 * the schema.
 */
import * as z from 'zod';
import type { PlannedInstance } from '../../plan/plan.ts';

/** sbatch's --time forms: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
const TIME_RE = /^(\d+-)?\d+(:\d{1,2}){0,2}$/;
/** sbatch's --mem: a number with an optional unit K, M, G or T. */
const MEM_RE = /^\d+[KMGT]?$/;
const NAME_RE = /^[\w.@+-]+$/;

export const ResourcesSchema = z.strictObject({
  /** --time: the job's wall-time limit; the scheduler kills it (TIMEOUT) past this. */
  time: z.string().regex(TIME_RE, 'a SLURM time: minutes, MM:SS, HH:MM:SS or D-HH:MM:SS').optional(),
  /** --mem: memory per node; past it the job ends OUT_OF_MEMORY. */
  mem: z.string().regex(MEM_RE, 'a number with an optional unit K, M, G or T (e.g. 4G)').optional(),
  /** --cpus-per-task, and the threads the stage is told to use (ctx.threads). */
  cpus: z.int().min(1).max(1024).optional(),
  partition: z.string().regex(NAME_RE, 'letters, digits and . @ + - _').optional(),
  account: z.string().regex(NAME_RE, 'letters, digits and . @ + - _').optional(),
  qos: z.string().regex(NAME_RE, 'letters, digits and . @ + - _').optional(),
  /** --nice: a lower priority among your own jobs (0, the default, to 10000); `run --nice N` sets it for every job. */
  nice: z.int().min(0).max(10_000).optional(),
  /** More sbatch options, each one argument ("--gres=gpu:1", "--constraint=avx2"). */
  extra: z.array(z.string().regex(/^--?[\w-]+(=.*)?$/, 'one sbatch option per item, such as --gres=gpu:1')).optional(),
});
export type Resources = z.infer<typeof ResourcesSchema>;

export const SlurmSectionSchema = z.strictObject({
  resources: ResourcesSchema.optional(),
  /** Per stage ("train") or per instance ("train@vgg-bn"): merged over `resources`. */
  stages: z.record(z.string(), ResourcesSchema).optional(),
  /**
   * Submissions of one instance per run before it counts as failed, when the job ends for a reason
   * that is not its own (CANCELLED by someone else, PREEMPTED, NODE_FAIL, BOOT_FAIL). The next
   * attempt resumes from the instance's checkpoint.
   */
  attempts: z.int().min(1).max(20).optional(),
  /** The first status poll comes this soon after a change; quiet polls back off to `poll_max_seconds`. */
  poll_min_seconds: z.number().min(0.1).max(600).optional(),
  poll_max_seconds: z.number().min(0.1).max(3600).optional(),
  /** How long squeue may keep failing (a busy or restarting controller) before the run gives up. */
  controller_patience_seconds: z.number().min(0).max(86_400).optional(),
  /**
   * Do the nodes see this checkout at the same path (the default, the common layout)? With false,
   * a job works in `checkout` on its node and receives its deps and sends its outputs through the
   * remote, as queue workers do.
   */
  shared_fs: z.boolean().optional(),
  /** Without a shared file system: the project's checkout on the nodes (a git clone at the same commit). */
  checkout: z
    .string()
    .refine((p) => p.startsWith('/'), 'an absolute path on the nodes')
    .optional(),
});
/** One file's `slurm:` section, as written: what it leaves out comes from the other file or the defaults. */
export type SlurmSection = z.infer<typeof SlurmSectionSchema>;

export interface SlurmSettings {
  resources: Resources;
  stages: Record<string, Resources>;
  attempts: number;
  poll_min_seconds: number;
  poll_max_seconds: number;
  controller_patience_seconds: number;
  shared_fs: boolean;
  checkout: string | undefined;
  /** `run --nice N`: every job's, over the files'. */
  nice?: number;
}

const DEFAULTS = { attempts: 3, poll_min_seconds: 2, poll_max_seconds: 60, controller_patience_seconds: 300 };

/** Where the settings come from, each checked by its own file's schema. */
export interface SlurmLayers {
  /** pipeline.yaml's `slurm:` (committed: every clone's). */
  project?: SlurmSection;
  /** pipeline.yaml's `resources:` of each stage, by stage name. */
  stageResources?: Record<string, Resources>;
  /** .pipeline/config.yaml's `slurm:` (this machine's). */
  local?: SlurmSection;
}

/**
 * The settings in force. The more specific entry wins (an instance's over its stage's over
 * `resources`), and between the two files at the same level, .pipeline/config.yaml (this
 * machine's) over pipeline.yaml; a stage's own `resources:` counts as pipeline.yaml's
 * `slurm.stages.<stage>`, which is merged over it.
 */
export function slurmSettings(layers: SlurmLayers): SlurmSettings {
  const { project = {}, local = {}, stageResources = {} } = layers;
  const names = new Set([...Object.keys(stageResources), ...Object.keys(project.stages ?? {}), ...Object.keys(local.stages ?? {})]);
  const stages = Object.fromEntries([...names].map((n) => [n, { ...stageResources[n], ...project.stages?.[n], ...local.stages?.[n] }]));
  const scalar = <K extends keyof typeof DEFAULTS>(k: K): number => local[k] ?? project[k] ?? DEFAULTS[k];
  return {
    resources: { ...project.resources, ...local.resources },
    stages,
    attempts: scalar('attempts'),
    poll_min_seconds: scalar('poll_min_seconds'),
    poll_max_seconds: scalar('poll_max_seconds'),
    controller_patience_seconds: scalar('controller_patience_seconds'),
    shared_fs: local.shared_fs ?? project.shared_fs ?? true,
    checkout: local.checkout ?? project.checkout,
  };
}

export const DEFAULT_SLURM_SETTINGS: SlurmSettings = slurmSettings({});

/**
 * What one instance's job asks for: the defaults, its stage's, then its own. Without a configured
 * `cpus`, the threads the instance would get in a local run (`threads`), so a cluster run computes
 * what a local one does.
 */
export function resourcesFor(settings: SlurmSettings, inst: Pick<PlannedInstance, 'id' | 'stage'>, threads: number): Resources & { cpus: number } {
  const merged = {
    ...settings.resources,
    ...settings.stages[inst.stage],
    ...settings.stages[inst.id],
    ...(settings.nice !== undefined ? { nice: settings.nice } : {}),
  };
  return { ...merged, cpus: merged.cpus ?? threads };
}

/** The sbatch options for these resources (not the job name, log or command). */
export function resourceArgs(r: Resources & { cpus: number }): string[] {
  const args = [`--cpus-per-task=${r.cpus}`];
  if (r.time) args.push(`--time=${r.time}`);
  if (r.mem) args.push(`--mem=${r.mem}`);
  if (r.partition) args.push(`--partition=${r.partition}`);
  if (r.account) args.push(`--account=${r.account}`);
  if (r.qos) args.push(`--qos=${r.qos}`);
  if (r.nice !== undefined) args.push(`--nice=${r.nice}`);
  return [...args, ...(r.extra ?? [])];
}
