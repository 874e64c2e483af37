/** `pipeline dag`: the stage graph as text, or in Graphviz dot. */
import type { CommandArgs, Io } from '../command-kit.ts';
import type { Plan } from '../../plan/plan.ts';
import { openProject, planOfUnrunProfile } from './workspace.ts';

export async function dagCommand(args: CommandArgs, io: Io): Promise<number> {
  const { plan } = (await planOfUnrunProfile(args, io)) ?? (await openProject(args, io));
  io.out(args.values.dot ? renderDot(plan) : renderDag(plan));
  return 0;
}

/** The stage graph for Graphviz (`pipeline dag --dot | dot -Tsvg`): one node per stage. */
export function renderDot(plan: Plan): string {
  const edges = new Set<string>();
  const nodes = new Map<string, number>();
  for (const inst of plan.instances) {
    nodes.set(inst.stage, (nodes.get(inst.stage) ?? 0) + 1);
    for (const u of inst.upstream) edges.add(`  ${JSON.stringify(u.split('@')[0]!)} -> ${JSON.stringify(inst.stage)};`);
  }
  const lines = ['digraph pipeline {', '  rankdir=LR;', '  node [shape=box];'];
  for (const [name, n] of nodes) {
    const matrix = plan.instances.some((i) => i.stage === name && i.instance);
    lines.push(`  ${JSON.stringify(name)} [label=${JSON.stringify(matrix ? `${name} (${n} instances)` : name)}];`);
  }
  lines.push(...[...edges].sort(), '}');
  return `${lines.join('\n')}\n`;
}

export function renderDag(plan: Plan): string {
  const stages = new Map<string, { count: number; upstream: Set<string>; outs: string[] }>();
  for (const inst of plan.instances) {
    const s = stages.get(inst.stage) ?? { count: 0, upstream: new Set<string>(), outs: [] };
    s.count++;
    for (const u of inst.upstream) s.upstream.add(u.split('@')[0]!);
    if (s.count === 1) s.outs = inst.outs;
    stages.set(inst.stage, s);
  }
  const lines: string[] = [];
  for (const [name, s] of stages) {
    const label = s.count > 1 || plan.instances.some((i) => i.stage === name && i.instance) ? `${name} (${s.count} instances)` : name;
    lines.push(s.upstream.size > 0 ? `${label} <- ${[...s.upstream].join(', ')}` : label);
  }
  return `${lines.join('\n')}\n`;
}
