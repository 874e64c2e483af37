/**
 * JSON Schemas for the files under configs/, generated from the zod schemas the stages validate
 * them with (one source of truth): configs/<key>.yaml gets schema/configs/<key>.schema.json, and a
 * key read as a record of files (configs/experiments/*.yaml) a schema for one such file. Each
 * config file's first line points at its schema, so editors complete and check keys as you type.
 * Only top-level keys have files of their own; the analyzer still checks everything else.
 */
import * as z from 'zod';
import { formatProblems } from '../errors.ts';
import { loadStageModule } from './analyze.ts';
import { itemSchema } from '../stage.ts';
import { PipelineSpecSchema, readsOf } from './pipeline-schema.ts';
import { ProjectFile, valueOrThrow } from './project-file.ts';

export const CONFIG_SCHEMA_DIR = 'schema/configs';

export interface ConfigSchema {
  /** The config key: configs/<key>.yaml, or configs/<key>/*.yaml when `perFile`. */
  key: string;
  perFile: boolean;
  schema: Record<string, unknown>;
}

/** The schema of every top-level config key a stage of root's pipeline.yaml reads, by key. */
export async function configSchemas(root: string): Promise<ConfigSchema[]> {
  const spec = valueOrThrow(valueOrThrow(await ProjectFile.read(root)).whole(PipelineSpecSchema));
  const found = new Map<string, ConfigSchema>();
  for (const [name, stageSpec] of Object.entries(spec.stages)) {
    const loaded = await loadStageModule(root, stageSpec.module);
    if (!loaded.ok) throw new Error(`stage ${name}: ${formatProblems(loaded.problems)}`);
    const stage = loaded.value;
    const keys = stageSpec.foreach ?? readsOf(stageSpec);
    const of = stageSpec.foreach ? stage.matrix?.input : itemSchema(stage);
    if (!(of instanceof z.ZodObject)) continue;
    for (const key of keys) {
      if (key.includes('.') || found.has(key)) continue; // a nested key path has no file of its own
      let value: z.ZodType | undefined = (of.shape as Record<string, z.ZodType>)[key];
      while (value instanceof z.ZodOptional || value instanceof z.ZodDefault) value = value.unwrap() as z.ZodType;
      if (!value) continue;
      const perFile = value instanceof z.ZodRecord;
      const fileSchema = perFile ? ((value as z.ZodRecord).valueType as z.ZodType) : value;
      const json = z.toJSONSchema(fileSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
      const where = perFile ? `configs/${key}/*.yaml (one file each)` : `configs/${key}.yaml`;
      found.set(key, {
        key,
        perFile,
        schema: { ...json, title: where, description: `Read by stage ${name}; generated from its zod schema by npm run schema.` },
      });
    }
  }
  return [...found.values()].sort((a, b) => a.key.localeCompare(b.key));
}

export function configSchemaFile(key: string): string {
  return `${CONFIG_SCHEMA_DIR}/${key}.schema.json`;
}
