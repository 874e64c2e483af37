/**
 * Reads and validates everything the report shows. A missing or malformed file is the user's to
 * fix (usually: run the stage that writes it), so it becomes a UserError naming file and field.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { UserError, type Problem } from '../../stage-api.ts';
import {
  GradcheckReportSchema,
  SummarySchema,
  TheoryReportSchema,
  TrainHistorySchema,
  type GradcheckReport,
  type Summary,
  type TheoryReport,
  type TrainHistory,
} from '../metrics/schemas.ts';
import { ReferenceRunSchema, type ReferenceRun } from './reference.ts';
import { AblationFileSchema, type AblationFile } from './ablation.ts';

export interface ReportInputs {
  gradcheck: GradcheckReport;
  theory: TheoryReport;
  summary: Summary;
  /** Histories of the experiments in summary.json, sorted by id so every output lists them alike. */
  histories: TrainHistory[];
  /**
   * History files of experiments summary.json does not list (an experiment removed from the
   * configs leaves its old history behind): left out of the curves and TensorBoard, named in the log.
   */
  ignoredHistories: string[];
  /** search.md: written by successive halving's search-collect only (absent for the full grid). */
  fragments: { gradcheck: string; theory: string | undefined; search?: string };
  /** The same experiments trained in another framework (bench/reference/), when given. */
  reference?: ReferenceRun;
  /** The custom network's ablation (bench/ablation.ts), when given. */
  ablation?: AblationFile;
}

/** Where each input lives; the stage resolves these from its declared deps. */
export interface InputPaths {
  gradcheck: string;
  theory: string;
  summary: string;
  trainDir: string;
  fragmentsDir: string;
  /** bench/reference/pytorch-grid.json: committed, so a missing file is an error like any other input. */
  reference?: string;
  /** bench/reference/ablation.json: committed, likewise. */
  ablation?: string;
}

async function readText(file: string, producer: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError([{ message: `${file} is missing; the ${producer} stage writes it (run the pipeline up to it)` }]);
    }
    throw e;
  }
}

async function readJson<S extends z.ZodType>(file: string, schema: S, producer: string): Promise<z.infer<S>> {
  const text = await readText(file, producer);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError([{ message: `${file}: not valid JSON (${(e as Error).message})` }]);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems: Problem[] = parsed.error.issues.map((i) => ({
      field: i.path.map(String).join('.') || undefined,
      message: `${file}: ${i.message}`,
    }));
    throw new UserError(problems);
  }
  return parsed.data;
}

export async function readReportInputs(p: InputPaths): Promise<ReportInputs> {
  const gradcheck = await readJson(p.gradcheck, GradcheckReportSchema, 'gradcheck');
  const theory = await readJson(p.theory, TheoryReportSchema, 'theory');
  const summary = await readJson(p.summary, SummarySchema, 'evaluate');
  let names: string[];
  try {
    names = (await readdir(p.trainDir)).filter((n) => n.endsWith('.json')).sort();
  } catch {
    names = [];
  }
  checkConsistency(summary, p.summary);
  const listed = new Set(summary.experiments.map((e) => e.id));
  const histories: TrainHistory[] = [];
  const ignoredHistories: string[] = [];
  for (const n of names) {
    const h = await readJson(path.join(p.trainDir, n), TrainHistorySchema, 'train');
    if (listed.has(h.id)) histories.push(h);
    else ignoredHistories.push(n);
  }
  const gradFragment = await readText(path.join(p.fragmentsDir, 'gradcheck.md'), 'gradcheck');
  // theory.json holds every answer too, so the report can stand without the prose fragment.
  const theoryFragment = await readFile(path.join(p.fragmentsDir, 'theory.md'), 'utf8').catch(() => undefined);
  const searchFragment = await readFile(path.join(p.fragmentsDir, 'search.md'), 'utf8').catch(() => undefined);
  const reference =
    p.reference === undefined
      ? undefined
      : await readJson(p.reference, ReferenceRunSchema, 'reference (bench/reference/pytorch_grid.py, run outside the pipeline)');
  const ablation =
    p.ablation === undefined ? undefined : await readJson(p.ablation, AblationFileSchema, 'ablation (bench/ablation.ts, run outside the pipeline)');
  return {
    gradcheck,
    theory,
    summary,
    histories,
    ignoredHistories,
    fragments: { gradcheck: gradFragment, theory: theoryFragment, ...(searchFragment !== undefined ? { search: searchFragment } : {}) },
    ...(reference ? { reference } : {}),
    ...(ablation ? { ablation } : {}),
  };
}

/** What the schemas cannot say: references inside summary.json must resolve. */
function checkConsistency(s: Summary, file: string): void {
  const problems: Problem[] = [];
  const ids = new Set(s.experiments.map((e) => e.id));
  if (!ids.has(s.best)) problems.push({ field: 'best', message: `${file}: "${s.best}" is not among the experiments` });
  if (s.best_baseline !== undefined && !ids.has(s.best_baseline)) {
    problems.push({ field: 'best_baseline', message: `${file}: "${s.best_baseline}" is not among the experiments` });
  }
  const n = s.class_names.length;
  s.experiments.forEach((e, i) => {
    if (e.confusion.length !== n || e.confusion.some((row) => row.length !== n)) {
      problems.push({ field: `experiments.${i}.confusion`, message: `${file}: expected a ${n}x${n} matrix` });
    }
    const missing = s.class_names.filter((c) => e.per_class[c] === undefined);
    if (missing.length > 0) {
      problems.push({ field: `experiments.${i}.per_class`, message: `${file}: no accuracy for ${missing.join(', ')}` });
    }
  });
  if (problems.length > 0) throw new UserError(problems);
}
