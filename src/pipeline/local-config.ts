/**
 * .pipeline/config.yaml: this machine's own settings, never committed. Its sections belong to
 * their features (remotes to remote/, the executor and queue to queue/); this module owns the
 * file, its schema as a whole and its reading, so that a misspelt section is reported once, here.
 */
import path from 'node:path';
import { z } from 'zod';
import { UserError } from './errors.ts';
import { SlurmSectionSchema } from './executors/slurm/settings.ts';
import { QueueSectionSchema } from './queue/settings.ts';
import { RemotesSchema } from './remote/schema.ts';
import { readYamlIfPresent } from './spec/yaml-file.ts';
import { zodProblems } from './spec/zod-problems.ts';

export const LOCAL_CONFIG_FILE = '.pipeline/config.yaml';

export const LocalConfigSchema = z.strictObject({
  remotes: RemotesSchema.default({}),
  /** Where `pipeline run` runs stale instances: here (the default), on queue workers or as SLURM jobs. */
  executor: z.enum(['local', 'queue', 'slurm']).optional(),
  queue: QueueSectionSchema.optional(),
  slurm: SlurmSectionSchema.optional(),
});
export type LocalConfig = z.infer<typeof LocalConfigSchema>;

/** The validated local config; a machine without one has the defaults. */
export async function readLocalConfig(root: string): Promise<LocalConfig> {
  // A machine without a local config is the normal case; an unreadable one is not.
  const read = await readYamlIfPresent(path.join(root, LOCAL_CONFIG_FILE), LOCAL_CONFIG_FILE);
  if (!read.ok) throw new UserError(read.problems);
  const yaml = read.value;
  if (!yaml) return LocalConfigSchema.parse({});
  const parsed = LocalConfigSchema.safeParse(yaml.value ?? {});
  if (!parsed.success) throw new UserError(zodProblems(parsed.error, yaml.locate));
  return parsed.data;
}
