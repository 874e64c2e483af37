/**
 * The toy project of the reliability suites (kill-anywhere, tampering, concurrency): toy stages in
 * a chain, each steered by its config (fixtures/stages/toy.ts: `v`, `gate`, `sleep_ms`, ...).
 */
import { Project } from './project.ts';

/** a writes out/a.txt; b reads it and writes a file and a directory. */
export const TOY_CHAIN = `
stages:
  a:
    module: stages/toy.ts
    reads: [a]
    outs: [out/a.txt]
  b:
    module: stages/toy.ts
    reads: [b]
    deps: [out/a.txt]
    outs: [out/b.txt, out/b-dir]
`;

/**
 * TOY_CHAIN with a matrix fanning out from a (one instance per key of configs/items.yaml) and a
 * join c of b and the matrix: parallel stages, file and directory outs, and instances restored from
 * the run-cache when a value comes back.
 */
export const TOY_CHAIN_JOIN = `${TOY_CHAIN}  m:
    module: stages/toy-matrix.ts
    foreach: [items]
    deps: [out/a.txt]
    outs: ['out/m/\${id}.txt']
  c:
    module: stages/toy.ts
    reads: [c]
    deps: [out/b.txt, out/m]
    outs: [out/c.txt]
`;

/** A toy project of `pipeline` and `configs` (configs/a.yaml -> its text). */
export function toyChainProject(configs: Record<string, string>, pipeline: string = TOY_CHAIN): Promise<Project> {
  return Project.create({ 'pipeline.yaml': pipeline, ...configs });
}
