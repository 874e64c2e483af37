/**
 * Pure expansion of the grid and the custom experiment files into the experiment list. Used by
 * the grid stage (experiments.json) and by train's matrix (one instance per experiment), so both
 * always agree on ids and params.
 */
import { UserError, type Problem } from '../../stage-api.ts';
import { gridId, isSafeId } from './id.ts';
import { architectureProblems } from './validate.ts';
import type { Experiment, GridInput } from './schema.ts';

export function expandExperiments(input: GridInput): Experiment[] {
  const problems: Problem[] = [];
  for (const key of ['pool', 'dropout', 'batchnorm'] as const) {
    if (input.grid[key].length === 0) {
      problems.push({ field: `grid.${key}`, message: 'is empty, so the grid has no experiments; list at least one value' });
    }
    // A repeated value would repeat every id it takes part in; name the list entry instead.
    const firstAt = new Map<string, number>();
    input.grid[key].forEach((v, i) => {
      const k = JSON.stringify(v);
      const j = firstAt.get(k);
      if (j === undefined) firstAt.set(k, i);
      else problems.push({ field: `grid.${key}[${i}]`, message: `repeats grid.${key}[${j}] (${k}); each value must appear once` });
    });
  }
  problems.push(...splitProblems(input.train, 'train'));
  if (problems.length > 0) throw new UserError(problems);
  const out: Experiment[] = [];
  const seen = new Map<string, string>();
  const add = (e: Experiment, field: string) => {
    const first = seen.get(e.id);
    if (first !== undefined) {
      problems.push({ field, message: `experiment id "${e.id}" is already used by ${first}; ids must be unique` });
      return;
    }
    seen.set(e.id, field);
    out.push(e);
  };

  input.grid.pool.forEach((pool, pi) => {
    input.grid.dropout.forEach((dropout, di) => {
      input.grid.batchnorm.forEach((batchnorm, bi) => {
        const id = gridId({ pool, dropout, batchnorm });
        // Pooling decides the shapes; dropout and BatchNorm cannot make a network impossible.
        if (di === 0 && bi === 0) problems.push(...architectureProblems({ kind: 'table2', pool, dropout, batchnorm }, `grid.pool[${pi}]`));
        const e: Experiment = {
          id,
          kind: 'grid',
          params: { pool: { ...pool }, dropout, batchnorm },
          architecture: { kind: 'table2', pool: { ...pool }, dropout, batchnorm },
          train: { ...input.train },
        };
        add(e, `grid (pool[${pi}], dropout[${di}], batchnorm[${bi}])`);
      });
    });
  });

  for (const name of Object.keys(input.experiments ?? {}).sort()) {
    const file = input.experiments![name]!;
    const field = `experiments.${name}`;
    if (!isSafeId(name)) {
      problems.push({ field, message: 'the file name is the experiment id: use letters, digits, ".", "_" or "-" (it names output files)' });
      continue;
    }
    const invalid = architectureProblems(file.architecture, field);
    if (invalid.length > 0) {
      problems.push(...invalid);
      continue;
    }
    const overrides = file.train ?? {};
    // Only what this file changes: the shared train config's own mistakes are reported once, above.
    if (overrides.validation_split !== undefined || overrides.max_train_images !== undefined) {
      problems.push(...splitProblems({ ...input.train, ...overrides }, `${field}.train`));
    }
    add(
      {
        id: name,
        kind: 'custom',
        description: file.description,
        params: { ...summarizeArchitecture(file.architecture), ...(Object.keys(overrides).length ? { train: overrides } : {}) },
        architecture: file.architecture,
        train: { ...input.train, ...overrides },
      },
      field,
    );
  }

  if (problems.length > 0) throw new UserError(problems);
  return out;
}

/**
 * A validation split that leaves nothing to train on, found while the plan is made rather than in
 * every train instance. Without max_train_images the dataset's size decides, which only the
 * training itself reads (the split then fails there, naming the count).
 */
function splitProblems(train: Pick<GridInput['train'], 'validation_split' | 'max_train_images'>, prefix: string): Problem[] {
  if (train.max_train_images === null || train.validation_split < train.max_train_images) return [];
  return [
    {
      field: `${prefix}.validation_split`,
      message: `holds out ${train.validation_split} images but max_train_images uses only ${train.max_train_images}; leave some to train on`,
    },
  ];
}

/** The report's params column: the architecture itself, without the discriminator. */
function summarizeArchitecture(a: { kind: string } & Record<string, unknown>): Record<string, unknown> {
  const { kind: _kind, ...rest } = a;
  return rest;
}
