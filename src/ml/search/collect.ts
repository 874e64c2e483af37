/**
 * After the last rung: each experiment's model and history from the last rung it trained in, laid
 * out as the full grid's train stage lays them out (so select, evaluate and report read them
 * unchanged), and the summary of where each experiment stopped and why.
 */
import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../../stage-api.ts';
import { RUNG_FILES, readJsonFile, readRungRecord } from './files.ts';
import type { SearchPlan } from './plan.ts';
import { RungDecisionsSchema, type RungDecisions, type SearchSummary } from './schema.ts';

export interface SearchDirs {
  /** artifacts/search: rung<k>/<id>/ and promotions/rung<k>.json. */
  search: string;
  models: string;
  histories: string;
}

export const rungDir = (searchDir: string, rung: number): string => path.join(searchDir, `rung${rung}`);
export const decisionsFile = (searchDir: string, rung: number): string => path.join(searchDir, 'promotions', `rung${rung}.json`);

export async function collectSearch(plan: SearchPlan, dirs: SearchDirs): Promise<SearchSummary> {
  const decisions = new Map<number, RungDecisions>();
  for (const r of plan.rungs.slice(1)) decisions.set(r.rung, await readJsonFile(decisionsFile(dirs.search, r.rung), RungDecisionsSchema, 'promotion summary'));
  await mkdir(dirs.models, { recursive: true });
  await mkdir(dirs.histories, { recursive: true });
  let epochsTrained = 0;
  const experiments: SearchSummary['experiments'] = [];
  for (const e of plan.experiments) {
    let last: { rung: number; to_epoch: number; val_accuracy: number } | undefined;
    for (const r of plan.rungs) {
      const record = await readRungRecord(rungDir(dirs.search, r.rung), e.id);
      if (!record.trained) break;
      epochsTrained += record.to_epoch - record.from_epoch;
      last = { rung: r.rung, to_epoch: record.to_epoch, val_accuracy: record.val_accuracy! };
    }
    if (!last) throw new UserError(`${e.id} did not train in the first rung (${rungDir(dirs.search, 0)})`);
    const from = path.join(rungDir(dirs.search, last.rung), e.id);
    await cp(path.join(from, RUNG_FILES.model), path.join(dirs.models, e.id), { recursive: true });
    await cp(path.join(from, RUNG_FILES.history), path.join(dirs.histories, `${e.id}.json`));
    experiments.push({
      id: e.id,
      stopped_at_rung: last.rung,
      epochs_trained: last.to_epoch,
      val_accuracy: last.val_accuracy,
      reason: stopReason(plan, last.rung, e.id, decisions),
    });
  }
  return {
    strategy: 'successive-halving',
    eta: plan.eta,
    min_epochs: plan.min_epochs,
    epochs: plan.epochs,
    rungs: plan.rungs.map((r) => ({ rung: r.rung, to_epoch: r.to_epoch, trained: r.trained })),
    experiments,
    epochs_trained: epochsTrained,
    full_grid_epochs: plan.experiments.length * plan.epochs,
  };
}

function stopReason(plan: SearchPlan, rung: number, id: string, decisions: Map<number, RungDecisions>): string {
  if (rung === plan.rungs.length - 1) return `trained all ${plan.epochs} epochs`;
  const d = decisions.get(rung + 1)!;
  const entry = d.ranking.find((r) => r.experiment === id);
  if (!entry) throw new UserError(`promotions/rung${rung + 1}.json does not rank ${id}, which trained in rung ${rung}`);
  return `ranked ${entry.rank} of ${d.entered} by validation accuracy after epoch ${d.at_epoch}; the best ${d.keep} continued`;
}

/** The report's section: the rungs, then where each experiment stopped. */
export function searchMarkdown(s: SearchSummary): string {
  const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
  const lines = [
    '# Successive halving',
    '',
    `Every experiment trained ${s.min_epochs} epoch${s.min_epochs === 1 ? '' : 's'}; after each rung the best 1/${s.eta} by validation accuracy (ties by id) continued from their checkpoints ${s.eta} times longer, up to ${s.epochs} epochs, on the learning-rate schedule of all ${s.epochs} epochs (so a finalist's weights equal those of an uninterrupted run). ${s.epochs_trained} epochs were trained instead of the full grid's ${s.full_grid_epochs} (${pct(s.epochs_trained / s.full_grid_epochs)}).`,
    '',
    '| rung | trained to epoch | experiments |',
    '|---:|---:|---:|',
    ...s.rungs.map((r) => `| ${r.rung} | ${r.to_epoch} | ${r.trained} |`),
    '',
    '| experiment | stopped at rung | epochs | val accuracy | why |',
    '|---|---:|---:|---:|---|',
    ...[...s.experiments]
      .sort((a, b) => b.stopped_at_rung - a.stopped_at_rung || b.val_accuracy - a.val_accuracy)
      .map((e) => `| ${e.id} | ${e.stopped_at_rung} | ${e.epochs_trained} | ${pct(e.val_accuracy)} | ${e.reason} |`),
    '',
  ];
  return lines.join('\n');
}
