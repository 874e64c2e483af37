/**
 * .pipeline/config.yaml: this machine's own settings, never committed. Its sections belong to
 * their features (remotes to remote/, `executor:` and each executor's section to the executor
 * registry); this module owns the file, its schema as a whole and its reading, so that a misspelt
 * section is reported once, here.
 */
import path from 'node:path';
import * as z from 'zod';
import { UserError } from '../errors.ts';
import { whileUnchanged, type FileMemo } from '../fs/unchanged.ts';
import { EXECUTOR_NAMES, executorSettings } from '../executors/registry.ts';
import { RemotesSchema } from '../remote/schema.ts';
import { editYaml, readYamlIfPresent, type YamlDocument } from '../spec/yaml-file.ts';
import { zodProblems } from '../spec/zod-problems.ts';

export const LOCAL_CONFIG_FILE = '.pipeline/config.yaml';

export interface LocalConfig {
  remotes: z.infer<typeof RemotesSchema>;
  /** Where `pipeline run` runs stale instances: here (the default), or one of the registry's other executors. */
  executor?: string;
  /** Each executor's section, checked by the schema it declares, by executor name. */
  sections: Record<string, unknown>;
}

/** The file's schema: remotes, `executor:` and one optional section per executor that declares one. */
export async function localConfigSchema() {
  const sections = Object.fromEntries([...(await executorSettings())].map(([name, s]) => [name, s.section.optional()]));
  return z.strictObject({
    remotes: RemotesSchema.default({}),
    executor: z.enum(EXECUTOR_NAMES as [string, ...string[]]).optional(),
    ...sections,
  });
}

/** A run asks for its remotes, then its executor: the file is read once while unchanged. */
const readConfigs: FileMemo<LocalConfig> = new Map();

/** The validated local config; a machine without one has the defaults. */
export function readLocalConfig(root: string): Promise<LocalConfig> {
  return whileUnchanged(readConfigs, path.join(root, LOCAL_CONFIG_FILE), () => parseLocalConfig(root));
}

/**
 * Edits the local config keeping its comments and layout (`pipeline remote add`), written
 * atomically; a machine without one gets the file. The file as it is is checked first, as a whole:
 * a broken one is reported, not rewritten.
 */
export function editLocalConfig(root: string, edit: (doc: YamlDocument) => void): Promise<void> {
  return editYaml(path.join(root, LOCAL_CONFIG_FILE), LOCAL_CONFIG_FILE, { absentIsEmpty: true, check: () => readLocalConfig(root) }, edit);
}

async function parseLocalConfig(root: string): Promise<LocalConfig> {
  // A machine without a local config is the normal case; an unreadable one is not.
  const read = await readYamlIfPresent(path.join(root, LOCAL_CONFIG_FILE), LOCAL_CONFIG_FILE);
  if (!read.ok) throw new UserError(read.problems);
  const yaml = read.value;
  const schema = await localConfigSchema();
  const parsed = schema.safeParse(yaml?.value ?? {});
  if (!parsed.success) throw new UserError(zodProblems(parsed.error, yaml!.locate));
  const { remotes, executor, ...sections } = parsed.data as { remotes: LocalConfig['remotes']; executor?: string } & Record<string, unknown>;
  return { remotes, ...(executor !== undefined ? { executor } : {}), sections };
}
