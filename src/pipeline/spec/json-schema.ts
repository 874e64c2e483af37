/**
 * pipeline.yaml's JSON Schema, generated from the zod schema that validates it (one source of
 * truth), for editors: with the YAML language server, pipeline.yaml's first line points at
 * schema/pipeline.schema.json and keys complete and check as you type. The analyzer still checks
 * everything the schema cannot say (module paths, config keys, overlapping outs).
 *
 *   npm run schema    # rewrites schema/pipeline.schema.json and schema/configs/ (config-schemas.ts)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { CONFIG_SCHEMA_DIR, configSchemaFile, configSchemas } from './config-schemas.ts';
import { PIPELINE_FILE_SECTIONS, stageResourcesSchema } from '../executors/project-sections.ts';
import { executorSettings } from '../executors/registry.ts';
import { PipelineSpecSchema, StageNameSchema, StageSpecSchema } from './pipeline-schema.ts';

export const JSON_SCHEMA_FILE = 'schema/pipeline.schema.json';

export async function pipelineJsonSchema(): Promise<Record<string, unknown>> {
  // The executors' sections and a stage's `resources:` with the schemas the executors declare
  // (the plan's schema holds their places, project-sections.ts checks them).
  const settings = await executorSettings();
  const full = PipelineSpecSchema.extend({
    stages: z.record(StageNameSchema, StageSpecSchema.extend({ resources: stageResourcesSchema(settings).optional() })),
    ...Object.fromEntries(PIPELINE_FILE_SECTIONS.map((name) => [name, settings.get(name)!.section.optional()])),
  });
  // io: 'input' describes what a user writes (defaults make keys optional); refinements such as
  // "no '..' in a path" cannot be said in JSON Schema and stay with the analyzer.
  const schema = z.toJSONSchema(full, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    title: 'pipeline.yaml',
    description: 'Stages, the config keys they read, their deps and outs: see docs/guide.md "pipeline.yaml and configs/".',
  };
}

export async function renderJsonSchema(): Promise<string> {
  return `${JSON.stringify(await pipelineJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  await writeFile(path.join(root, JSON_SCHEMA_FILE), await renderJsonSchema());
  console.log(`wrote ${JSON_SCHEMA_FILE}`);
  await mkdir(path.join(root, CONFIG_SCHEMA_DIR), { recursive: true });
  for (const c of await configSchemas(root)) {
    await writeFile(path.join(root, configSchemaFile(c.key)), `${JSON.stringify(c.schema, null, 2)}\n`);
    console.log(`wrote ${configSchemaFile(c.key)}`);
  }
}
