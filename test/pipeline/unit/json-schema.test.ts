/** The committed JSON Schemas of pipeline.yaml and the configs are the ones the zod schemas generate, never stale. */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { parse } from 'yaml';
import { CONFIG_SCHEMA_DIR, configSchemaFile, configSchemas } from '../../../src/pipeline/spec/config-schemas.ts';
import { JSON_SCHEMA_FILE, pipelineJsonSchema, renderJsonSchema } from '../../../src/pipeline/spec/json-schema.ts';
import { REPO } from '../../helpers/project.ts';

it('schema/pipeline.schema.json matches the zod schema (run npm run schema after changing it)', async () => {
  assert.equal(await readFile(path.join(REPO, JSON_SCHEMA_FILE), 'utf8'), await renderJsonSchema());
});

it("names every key this repository's pipeline.yaml uses, and no stage key it does not know", async () => {
  const spec = parse(await readFile(path.join(REPO, 'pipeline.yaml'), 'utf8')) as { stages: Record<string, Record<string, unknown>> } & Record<string, unknown>;
  const schema = (await pipelineJsonSchema()) as { properties: Record<string, unknown>; additionalProperties?: unknown };
  for (const key of Object.keys(spec)) assert.ok(key in schema.properties, key);
  assert.equal(schema.additionalProperties, false, 'unknown top-level keys are marked, as the analyzer refuses them');
  const stage = (schema.properties.stages as { additionalProperties: { properties: Record<string, unknown> } }).additionalProperties;
  for (const s of Object.values(spec.stages)) for (const key of Object.keys(s)) assert.ok(key in stage.properties, `stage key ${key}`);
});

it('schema/configs/ holds the schema of every config file the stages read, and each file points at its own', async () => {
  const schemas = await configSchemas(REPO);
  assert.ok(schemas.some((c) => c.key === 'train' && !c.perFile));
  assert.ok(
    schemas.some((c) => c.key === 'experiments' && c.perFile),
    'configs/experiments/*.yaml: one schema per file',
  );
  const committed = (await readdir(path.join(REPO, CONFIG_SCHEMA_DIR))).sort();
  assert.deepEqual(committed, schemas.map((c) => path.basename(configSchemaFile(c.key))).sort(), 'run npm run schema');
  for (const c of schemas) {
    assert.equal(
      await readFile(path.join(REPO, configSchemaFile(c.key)), 'utf8'),
      `${JSON.stringify(c.schema, null, 2)}\n`,
      `${configSchemaFile(c.key)}: run npm run schema`,
    );
    const files = c.perFile
      ? (await readdir(path.join(REPO, 'configs', c.key))).filter((f) => f.endsWith('.yaml')).map((f) => `configs/${c.key}/${f}`)
      : [`configs/${c.key}.yaml`];
    for (const file of files) {
      const first = (await readFile(path.join(REPO, file), 'utf8')).split('\n')[0];
      const target = path.relative(path.dirname(path.join(REPO, file)), path.join(REPO, configSchemaFile(c.key)));
      assert.equal(first, `# yaml-language-server: $schema=${target}`, file);
    }
  }
});
