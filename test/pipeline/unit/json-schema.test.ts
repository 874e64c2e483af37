/** The committed JSON Schema of pipeline.yaml is the one the zod schema generates, never stale. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { parse } from 'yaml';
import { JSON_SCHEMA_FILE, pipelineJsonSchema, renderJsonSchema } from '../../../src/pipeline/spec/json-schema.ts';
import { REPO } from '../../helpers/project.ts';

it('schema/pipeline.schema.json matches the zod schema (run npm run schema after changing it)', async () => {
  assert.equal(await readFile(path.join(REPO, JSON_SCHEMA_FILE), 'utf8'), renderJsonSchema());
});

it("names every key this repository's pipeline.yaml uses, and no stage key it does not know", async () => {
  const spec = parse(await readFile(path.join(REPO, 'pipeline.yaml'), 'utf8')) as { stages: Record<string, Record<string, unknown>> } & Record<string, unknown>;
  const schema = pipelineJsonSchema() as { properties: Record<string, unknown>; additionalProperties?: unknown };
  for (const key of Object.keys(spec)) assert.ok(key in schema.properties, key);
  assert.equal(schema.additionalProperties, false, 'unknown top-level keys are marked, as the analyzer refuses them');
  const stage = (schema.properties.stages as { additionalProperties: { properties: Record<string, unknown> } }).additionalProperties;
  for (const s of Object.values(spec.stages)) for (const key of Object.keys(s)) assert.ok(key in stage.properties, `stage key ${key}`);
});
