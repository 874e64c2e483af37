/**
 * The `experiments:` section of pipeline.yaml: which stage's instances `exp show` and the diffs
 * call experiments, which columns of their items to show, and where their metrics are. Every key
 * is optional: without the section the experiments are the instances of the only stage that has
 * instances, with all of their items and the JSON files among their outs as metrics.
 */
import * as z from 'zod';
import { UserError } from '../errors.ts';
import { PIPELINE_FILE, ProjectFile, valueOrThrow } from '../spec/project-file.ts';
import type { Revision } from './revision.ts';

const keyPrefix = z.string().min(1, 'must not be empty');
const keyPath = z.string().regex(/^[\w-]+(\.[\w-]+)*$/, 'must be a key path like "experiments"');

const MetricsSourceSchema = z
  .strictObject({
    /** A project-relative JSON file; `${id}` stands for the experiment's id. */
    file: z.string().min(1, 'must not be empty'),
    /** Key path of an array of objects with an `id` field, one per experiment (a summary file). */
    rows: keyPath.optional(),
    /** Key-path prefixes to keep; default every number and boolean in the file (or row). */
    fields: z.array(keyPrefix).optional(),
  })
  .refine((s) => s.rows !== undefined || s.file.includes('${id}'), {
    message: 'a metrics file shared by all experiments needs `rows`; a file per experiment must name ${id} in its path',
  });
export type MetricsSource = z.infer<typeof MetricsSourceSchema>;

const plotSource = {
  title: z.string().min(1),
  /** As for metrics: a file per experiment (with ${id}), or a shared one with `rows`. */
  file: z.string().min(1, 'must not be empty'),
  rows: keyPath.optional(),
};

/** Figures for `pipeline plots diff`: each overlays the two revisions. */
const PlotSchema = z.discriminatedUnion('kind', [
  /** Curves: an array of points in the experiment's object, one line per y field. */
  z.strictObject({ kind: z.literal('lines'), ...plotSource, points: keyPath, x: z.string().min(1), y: z.array(z.string().min(1)).min(1) }),
  /** Bars: an object of category -> number in the experiment's object (per-class accuracy). */
  z.strictObject({ kind: z.literal('bars'), ...plotSource, field: keyPath }),
]);
export type PlotSpec = z.infer<typeof PlotSchema>;

export const ExperimentsSpecSchema = z
  .strictObject({
    /** The stage whose instances are the experiments. */
    stage: z
      .string()
      .regex(/^[a-z][a-z0-9_-]*$/, 'must be a stage name')
      .optional(),
    /** Key-path prefixes of the instance's item to show as columns; default all of it. */
    columns: z.array(keyPrefix).optional(),
    /** @deprecated The old spelling of `columns:`, read until the next release. */
    params: z.array(keyPrefix).optional(),
    metrics: z.array(MetricsSourceSchema).optional(),
    /** Column prefixes shown only when asked (--all): ten per-class accuracies crowd a terminal. */
    hide: z.array(keyPrefix).default([]),
    plots: z.array(PlotSchema).default([]),
  })
  .refine((s) => !(s.columns && s.params), { message: 'give the columns once, under columns: (params: is its old spelling)', path: ['params'] })
  .transform(({ params, ...s }) => ({ ...s, columns: s.columns ?? params }));
export type ExperimentsSpec = z.infer<typeof ExperimentsSpecSchema>;

/**
 * The section as the working tree's pipeline.yaml has it. Revisions are shown through the
 * workspace's section, not their own: it says how to present runs, and an old commit that
 * predates it should still line up with a new one in one table.
 */
export async function loadExperimentsSpec(workspace: Revision): Promise<ExperimentsSpec> {
  const read = await ProjectFile.at(workspace);
  if (read === undefined) throw new UserError([{ field: PIPELINE_FILE, message: 'not found in the working tree (run this in a pipeline project)' }]);
  const project = valueOrThrow(read);
  return valueOrThrow(project.section(['experiments'], ExperimentsSpecSchema, {}))!;
}
