/**
 * Every executor `pipeline run` can use, declared once. The command table (--executor's words,
 * each executor's own options), .pipeline/config.yaml's and pipeline.yaml's sections, a stage's
 * `resources:` and the choice of executor for a run are all made from this list: adding an
 * executor is its folder (with a declaration.ts) and one line here.
 *
 * Read at every command's start: zod and the executors' code load only when asked for.
 */
import { queueExecutor } from '../queue/declaration.ts';
import type { ExecutorDeclaration, ExecutorSettings } from './declaration.ts';
import { slurmExecutor } from './slurm/declaration.ts';

/** The engine's own: child processes on this machine (execute() makes it, with --jobs). */
const localExecutor = { name: 'local', where: 'here (default)', open: async () => undefined } as const satisfies ExecutorDeclaration;

/** The default first. */
export const EXECUTORS = [localExecutor, queueExecutor, slurmExecutor] as const satisfies readonly ExecutorDeclaration[];

export const EXECUTOR_NAMES = EXECUTORS.map((e) => e.name);

type FlagsOf<E> = E extends { flags: infer F } ? F : never;
type Intersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
/** Every executor's own options, typed, for the command table. */
export type ExecutorFlags = Intersection<FlagsOf<(typeof EXECUTORS)[number]>>;
export const EXECUTOR_FLAGS = Object.assign({}, ...EXECUTORS.map((e: ExecutorDeclaration) => e.flags ?? {})) as ExecutorFlags;

export function findExecutor(name: string): ExecutorDeclaration | undefined {
  return (EXECUTORS as readonly ExecutorDeclaration[]).find((e) => e.name === name);
}

let loaded: Promise<Map<string, ExecutorSettings>> | undefined;

/** Each executor's schemas (those that have settings), by name. */
export function executorSettings(): Promise<Map<string, ExecutorSettings>> {
  loaded ??= Promise.all((EXECUTORS as readonly ExecutorDeclaration[]).map(async (e) => [e.name, await e.settings?.()] as const)).then(
    (pairs) => new Map(pairs.filter((p): p is readonly [string, ExecutorSettings] => p[1] !== undefined)),
  );
  return loaded;
}

/** "a, b or c". */
export function orList(words: readonly string[]): string {
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words.at(-1)}` : (words[0] ?? '');
}
