/**
 * The old spellings of this release's renames, read until the next one: `params:` (the config
 * keys a stage reads) is now `reads:`, `${params.*}` in a path `${item.*}`, the experiments'
 * `params:` `columns:`, and in a stage module `defineStage({ params })` and `ctx.params` are now
 * `item`. Each file that still uses one gets one line (its first place, then every rename with
 * its lines), printed by the commands that plan; nothing else changes.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SourceLocation } from '../errors.ts';
import type { ProjectFile } from './project-file.ts';

export interface OldSpelling {
  location: Pick<SourceLocation, 'file' | 'line'>;
  old: string;
  new: string;
}

/** One line per file: `pipeline.yaml:10: deprecated spellings (...): params: -> reads: (lines 10, 15)`. */
export function deprecationLines(found: OldSpelling[]): string[] {
  const byFile = new Map<string, OldSpelling[]>();
  for (const f of found) byFile.set(f.location.file, [...(byFile.get(f.location.file) ?? []), f]);
  return [...byFile].map(([file, list]) => {
    const first = Math.min(...list.map((f) => f.location.line));
    const renames = new Map<string, number[]>();
    for (const f of list) {
      const key = `${f.old} -> ${f.new}`;
      renames.set(
        key,
        [...new Set([...(renames.get(key) ?? []), f.location.line])].sort((a, b) => a - b),
      );
    }
    const parts = [...renames].map(([rename, lines]) => `${rename} (line${lines.length > 1 ? 's' : ''} ${lines.join(', ')})`);
    return `${file}:${first}: deprecated spelling, read until the next release: ${parts.join('; ')}`;
  });
}

/** The old spellings in pipeline.yaml. */
export function pipelineOldSpellings(file: ProjectFile): OldSpelling[] {
  const out: OldSpelling[] = [];
  const stages = file.raw(['stages']);
  if (isRecord(stages)) {
    for (const [name, stage] of Object.entries(stages)) {
      if (!isRecord(stage)) continue;
      if ('params' in stage) out.push({ location: file.yaml.locate(['stages', name, 'params'], true), old: 'params:', new: 'reads:' });
      for (const kind of ['deps', 'outs'] as const) {
        const paths = stage[kind];
        const entries = Array.isArray(paths) ? paths.entries() : isRecord(paths) ? Object.entries(paths) : [];
        for (const [key, p] of entries) {
          if (typeof p === 'string' && p.includes('${params.'))
            out.push({ location: file.yaml.locate(['stages', name, kind, key]), old: '${params.*}', new: '${item.*}' });
        }
      }
    }
  }
  const experiments = file.raw(['experiments']);
  if (isRecord(experiments) && 'params' in experiments)
    out.push({ location: file.yaml.locate(['experiments', 'params'], true), old: 'experiments: params:', new: 'columns:' });
  return out;
}

/**
 * The old spellings in a stage module: `params:` as defineStage's schema key or in its matrix
 * items (found from the loaded module, placed by the first `params:` in its text), and reads of
 * `ctx.params` (found in its text).
 */
export async function moduleOldSpellings(root: string, module: string, oldSchemaKey: boolean, oldItemKey: boolean): Promise<OldSpelling[]> {
  let text: string;
  try {
    text = await readFile(path.join(root, module), 'utf8');
  } catch {
    return [];
  }
  const lines = text.split('\n');
  const lineOf = (re: RegExp): number[] => lines.flatMap((l, i) => (re.test(l) ? [i + 1] : []));
  const out: OldSpelling[] = [];
  const at = (line: number) => ({ file: module, line });
  if (oldSchemaKey || oldItemKey) {
    const line = lineOf(/\bparams\s*:/)[0] ?? 1;
    if (oldSchemaKey) out.push({ location: at(line), old: 'defineStage({ params })', new: 'defineStage({ item })' });
    if (oldItemKey) out.push({ location: at(lineOf(/\binstances\b/)[0] ?? line), old: 'matrix items { id, params }', new: '{ id, item }' });
  }
  for (const line of lineOf(/\bctx\.params\b/)) out.push({ location: at(line), old: 'ctx.params', new: 'ctx.item' });
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
