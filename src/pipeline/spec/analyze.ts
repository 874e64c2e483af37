/**
 * spec -> plan. Reads pipeline.yaml, the config tree and the stage modules, checks everything a
 * user can get wrong, and returns either a typed Plan or every problem found, each located at
 * file:line:column with the field at fault.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { fail, isUserError, succeed, UserError, type Problem, type Result, type SourceLocation } from '../errors.ts';
import { isMissing } from '../fs/missing.ts';
import type { Plan, PlannedInstance } from '../plan/plan.ts';
import { itemOf, itemSchema, usesOldSpelling, type AnyStage, type DeclaredNames } from '../stage.ts';
import { importStageModule } from '../child/stage-bundle.ts';
import { codeFiles } from './code-files.ts';
import { CONFIG_DIR, loadConfigTree, type ConfigOptions, type ConfigTree } from './configs.ts';
import { LOCK_FILE } from '../state/lock.ts';
import { isInside } from '../fs/safe-path.ts';
import { declared, PIPELINE_FILE, PipelineSpecSchema, readsOf, type Declared, type StageSpec } from './pipeline-schema.ts';
import { deprecationLines, moduleOldSpellings, pipelineOldSpellings, type OldSpelling } from './old-spellings.ts';
import type { KeyPath } from './yaml-file.ts';
import { ProjectFile, valueOrThrow } from './project-file.ts';
import { readExecutorSections } from '../executors/project-sections.ts';
import { droppedKeys, keyPathOf } from './unknown-keys.ts';
import { enabledStages } from './when.ts';
import { nearest, schemaKeysAt } from './near-miss.ts';
import { fieldName, zodProblems } from './zod-problems.ts';

const INSTANCE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

export async function analyze(root: string, opts: ConfigOptions = {}): Promise<Plan> {
  const problems: Problem[] = [];
  const read = await ProjectFile.read(root);
  if (!read.ok) problems.push(...read.problems);
  const config = await loadConfigTree(root, opts);
  if (!config.ok) problems.push(...config.problems);
  if (!read.ok) throw new UserError(problems);
  const pipelineYaml = read.value.yaml;

  const parsed = read.value.whole(PipelineSpecSchema);
  if (!parsed.ok) throw new UserError([...problems, ...parsed.problems]);
  // The executors' sections (`slurm:`, a stage's `resources:`): no command runs with a misspelt one.
  const sections = await readExecutorSections(read.value);
  if (!sections.ok) problems.push(...sections.problems);
  if (!config.ok || problems.length > 0) throw new UserError(problems);
  const tree = config.value;

  const at = (p: KeyPath): SourceLocation => pipelineYaml.locate(p);
  const enabled = valueOrThrow(enabledStages(parsed.value.stages, tree, at));
  const instances: Array<PlannedInstance & { origin: { stage: string; spec: StageSpec } }> = [];
  const oldSpellings = pipelineOldSpellings(read.value);
  for (const [name, spec] of Object.entries(parsed.value.stages)) {
    if (!enabled.has(name)) continue;
    const expanded = await expandStage(root, name, spec, tree, at, oldSpellings);
    if (!expanded.ok) problems.push(...expanded.problems);
    else for (const inst of expanded.value) instances.push({ ...inst, origin: { stage: name, spec } });
  }
  if (problems.length > 0) throw new UserError(problems);

  problems.push(...checkOuts(instances, at));
  problems.push(...checkProtectedOuts(instances, protectedPaths(root, parsed.value.cache, instances), at));
  if (problems.length > 0) throw new UserError(problems);
  problems.push(...(await linkDeps(root, instances, at)));
  if (problems.length > 0) throw new UserError(problems);
  const ordered = valueOrThrow(topologicalOrder(instances, at));

  return {
    root,
    cacheDir: path.resolve(root, parsed.value.cache),
    instances: ordered.map(({ origin, ...inst }) => ({
      ...inst,
      outLocations: declared(origin.spec.outs).map((o) => at(['stages', origin.stage, 'outs', o.key])),
    })),
    deprecations: deprecationLines(oldSpellings),
  };
}

async function expandStage(
  root: string,
  name: string,
  spec: StageSpec,
  tree: ConfigTree,
  at: (p: KeyPath) => SourceLocation,
  oldSpellings: OldSpelling[],
): Promise<Result<PlannedInstance[]>> {
  const problems: Problem[] = [];
  const field = (...rest: KeyPath): { location: SourceLocation; field: string } => ({
    location: at(['stages', name, ...rest]),
    field: fieldName(['stages', name, ...rest]),
  });
  const loaded = await loadStageModule(root, spec.module);
  if (!loaded.ok) return fail(loaded.problems.map((p) => ({ ...field('module'), ...p })));
  const stage = loaded.value;
  if (stage.matrix && !spec.foreach) {
    problems.push({ ...field('module'), message: `${spec.module} is a matrix stage: add "foreach:" naming the config keys it expands` });
    return fail(problems);
  }
  if (!stage.matrix && spec.foreach) {
    problems.push({ ...field('foreach'), message: `${spec.module} exports no matrix, so it cannot take "foreach:"` });
    return fail(problems);
  }
  if (spec.reads && spec.params) {
    problems.push({ ...field('params'), message: 'give the config keys once, under reads: (params: is its old spelling)' });
    return fail(problems);
  }
  const schema = itemSchema(stage);
  const code = await codeFiles(root, spec.module);
  const deps = declared(spec.deps);
  const outs = declared(spec.outs);
  const names = namesOf(deps, outs);
  const base = {
    stage: name,
    description: spec.description ?? stage.description,
    module: spec.module,
    upstream: [] as string[],
    codeFiles: code,
  };

  if (!stage.matrix || !spec.foreach) {
    let templated = false;
    for (const [kind, list] of [['deps', deps] as const, ['outs', outs] as const]) {
      for (const d of list) {
        if (!d.path.includes('${')) continue;
        templated = true;
        problems.push({
          ...field(kind, d.key),
          message: `"${d.path}": \${id} stands for an instance id, and only a matrix stage (one with foreach:) has instances`,
        });
      }
    }
    if (templated) return fail(problems);
    const readsKey = spec.reads ? 'reads' : 'params';
    const selected = selectConfig(tree, readsOf(spec), (i) => field(readsKey, i));
    if (!selected.ok) return selected;
    const item = selected.value;
    const checked = schema.safeParse(item);
    if (!checked.success) return fail(configZodProblems(checked.error, tree, field(readsKey), schema));
    const unknown = unknownConfigKeys(item, checked.data, tree, field(readsKey), schema);
    if (unknown.length > 0) return fail(unknown);
    oldSpellings.push(...(await moduleOldSpellings(root, spec.module, usesOldSpelling(stage), false)));
    const paths = { deps: deps.map((d) => d.path), outs: outs.map((o) => o.path) };
    return succeed([{ ...base, id: name, instance: undefined, item: checked.data, ...paths, ...(names ? { names: names(paths) } : {}), outLocations: [] }]);
  }

  const selected = selectConfig(tree, spec.foreach, (i) => field('foreach', i), true);
  if (!selected.ok) return selected;
  const input = selected.value;
  const checkedInput = stage.matrix.input.safeParse(input);
  if (!checkedInput.success) {
    problems.push(...configZodProblems(checkedInput.error, tree, field('foreach'), stage.matrix.input));
    return fail(problems);
  }
  const unknown = unknownConfigKeys(input, checkedInput.data, tree, field('foreach'), stage.matrix.input);
  if (unknown.length > 0) return fail(unknown);
  let items: Array<{ id: string; item?: unknown; params?: unknown }>;
  try {
    items = stage.matrix.instances(checkedInput.data);
  } catch (e) {
    // By brand, not instanceof: the stage module has its own copy of errors.ts.
    if (isUserError(e)) {
      // A problem the stage names by config key (grid.pool[1]) is shown where that key is set.
      problems.push(...e.problems.map((p) => (p.location ? p : { ...field('foreach'), ...p, ...locateField(tree, p.field) })));
      return fail(problems);
    }
    if (e instanceof z.ZodError) {
      problems.push(...configZodProblems(e, tree, field('foreach')));
      return fail(problems);
    }
    throw e;
  }
  if (items.length === 0) problems.push({ ...field('foreach'), message: 'expands to no instances (is the list empty?)' });
  const seen = new Set<string>();
  /** A template that fails fails for every instance: each declared path is reported once. */
  const badPaths = new Set<string>();
  const out: PlannedInstance[] = [];
  oldSpellings.push(
    ...(await moduleOldSpellings(
      root,
      spec.module,
      usesOldSpelling(stage),
      items.some((i) => !('item' in i)),
    )),
  );
  for (const item of items) {
    if (!INSTANCE_ID_RE.test(item.id)) {
      problems.push({ ...field('foreach'), message: `instance id "${item.id}" must be letters, digits, ".", "_", "+" or "-"` });
      continue;
    }
    if (seen.has(item.id)) {
      problems.push({ ...field('foreach'), message: `two instances have the id "${item.id}"` });
      continue;
    }
    seen.add(item.id);
    const checked = schema.safeParse(itemOf(item));
    if (!checked.success) {
      for (const issue of checked.error.issues) {
        problems.push({ ...field('foreach'), field: `${name}@${item.id}.${issue.path.join('.')}`, message: issue.message });
      }
      continue;
    }
    const paths = { deps: [] as string[], outs: [] as string[] };
    let substituted = true;
    for (const [kind, list] of [['deps', deps] as const, ['outs', outs] as const]) {
      for (const d of list) {
        const r = substitute(d.path, item.id, checked.data);
        if (r.ok) paths[kind].push(r.value);
        else {
          if (!badPaths.has(`${kind}${d.key}`))
            problems.push(...r.problems.map((q) => ({ ...field(kind, d.key), message: `${name}@${item.id}: ${q.message}` })));
          badPaths.add(`${kind}${d.key}`);
          substituted = false;
        }
      }
    }
    if (!substituted) continue;
    out.push({
      ...base,
      id: `${name}@${item.id}`,
      instance: item.id,
      item: checked.data,
      ...paths,
      ...(names ? { names: names(paths) } : {}),
      outLocations: [],
    });
  }
  return problems.length > 0 ? fail(problems) : succeed(out);
}

/**
 * The names of a stage's deps and outs declared as mappings, as a function of one instance's
 * paths (after `${...}`); undefined when both are lists.
 */
function namesOf(deps: Declared[], outs: Declared[]): ((paths: { deps: string[]; outs: string[] }) => DeclaredNames) | undefined {
  const named = (list: Declared[], paths: string[]) =>
    list.every((d) => d.name === undefined) ? undefined : Object.fromEntries(list.map((d, i) => [d.name!, normalize(paths[i]!)]));
  if (deps.every((d) => d.name === undefined) && outs.every((d) => d.name === undefined)) return undefined;
  return (paths) => {
    const out: DeclaredNames = {};
    const d = named(deps, paths.deps);
    const o = named(outs, paths.outs);
    if (d) out.deps = d;
    if (o) out.outs = o;
    return out;
  };
}

/**
 * A matrix instance's path: ${id} is its id, ${item.a.b} a string or number in its item (so an
 * instance can name another instance's outputs, such as the previous rung of a search).
 * `${params.a.b}` is the old spelling of `${item.a.b}`, read until the next release.
 */
function substitute(p: string, id: string, item: unknown): Result<string> {
  let problem: string | undefined;
  const out = p.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    if (name === 'id') return id;
    const m = /^(?:item|params)\.(.+)$/.exec(name);
    if (!m) {
      problem ??= `"${whole}" in "${p}": a path may use \${id} and \${item.<field>} only`;
      return whole;
    }
    let v: unknown = item;
    for (const seg of m[1]!.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
    // A value is one path segment, so a template cannot lead a path out of where it was declared.
    if ((typeof v === 'string' || typeof v === 'number') && INSTANCE_ID_RE.test(String(v))) return String(v);
    problem ??= `"${whole}" in "${p}": the instance's item has no string or number at ${m[1]} that is a file name (letters, digits, ".", "_", "+", "-")`;
    return whole;
  });
  return problem === undefined ? succeed(out) : fail(problem);
}

/** A stage module, imported and checked to be one; fails with why (one message, no location). */
export async function loadStageModule(root: string, module: string): Promise<Result<AnyStage>> {
  const abs = path.join(root, module);
  try {
    await access(abs);
  } catch (e) {
    return fail(isMissing(e) ? `module ${module} does not exist` : `module ${module} cannot be reached: ${(e as Error).message}`);
  }
  let mod: { default?: unknown };
  try {
    mod = (await importStageModule(root, module)) as { default?: unknown };
  } catch (e) {
    return fail(`module ${module} failed to load: ${loadError(root, e as Error)}`);
  }
  const stage = mod.default as (Partial<AnyStage> & { item?: unknown; params?: unknown }) | undefined;
  if (!stage || typeof stage.run !== 'function' || !((stage.item ?? stage.params) instanceof z.ZodType)) {
    return fail(`module ${module} must default-export defineStage({ description, item, run })`);
  }
  return succeed(stage as AnyStage);
}

/**
 * The useful line of a module's load error. The TypeScript loader's compile errors start with
 * "Transform failed with 1 error:" and put file:line:column and the message on the next line.
 */
function loadError(root: string, e: Error): string {
  const lines = e.message.split('\n').filter((l) => l.trim() !== '');
  const first = /^Transform failed with \d+ errors?:?$/.test(lines[0] ?? '') && lines[1] ? lines[1] : (lines[0] ?? String(e));
  return first.replaceAll(`${root}${path.sep}`, '');
}

/** Builds the nested object of the named key paths ("train.lr" -> { train: { lr } }). */
function selectConfig(
  tree: ConfigTree,
  keys: string[],
  locate: (i: number) => { location: SourceLocation; field: string },
  /** For foreach: an unset key (configs/experiments/ with no files) is left to the matrix schema. */
  allowMissing = false,
): Result<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const problems: Problem[] = [];
  keys.forEach((key, i) => {
    const p = key.split('.');
    if (!tree.has(p)) {
      // An empty folder (configs/experiments/ with no experiment yet) is a set that is empty; a
      // key with no file and no folder is a typo, and would silently drop what it meant.
      if (allowMissing && tree.isDirectory(p)) return;
      problems.push({ ...locate(i), message: `config key "${key}" is not set by any file under configs/` });
      return;
    }
    let cur = out;
    for (const seg of p.slice(0, -1)) cur = (cur[seg] ??= {}) as Record<string, unknown>;
    cur[p[p.length - 1]!] = structuredClone(tree.get(p));
  });
  return problems.length > 0 ? fail(problems) : succeed(out);
}

/** Items of plain stages mirror the config tree, so an issue's path is a config key path. */
function configZodProblems(error: z.ZodError, tree: ConfigTree, fallback: { location: SourceLocation; field: string }, schema?: z.ZodType): Problem[] {
  return zodProblems(
    error,
    (p, atKey) => {
      for (let n = p.length; n > 0; n--) {
        const loc = tree.locate(p.slice(0, n), n === p.length && atKey);
        if (loc) return loc;
      }
      return fallback.location;
    },
    [],
    schema,
  );
}

/** The config keys the schema dropped as unknown (see unknown-keys.ts), one problem each. */
function unknownConfigKeys(
  input: unknown,
  parsed: unknown,
  tree: ConfigTree,
  fallback: { location: SourceLocation; field: string },
  schema: z.ZodType,
): Problem[] {
  return droppedKeys(input, parsed).map((p) => {
    const key = String(p[p.length - 1]);
    const meant = nearest(key, schemaKeysAt(schema, p.slice(0, -1)));
    const message = `unknown key "${key}"${meant === undefined ? '' : ` (did you mean ${meant}?)`}`;
    return { location: tree.locate(p, true) ?? fallback.location, field: fieldName(p), message };
  });
}

/**
 * The location of the config key a problem's field names, if it is one, and the field in this
 * tool's notation (layers[3], not zod's layers.3) when the whole field is a key path.
 */
function locateField(tree: ConfigTree, field: string | undefined): { location: SourceLocation; field?: string } | undefined {
  if (!field) return undefined;
  const { path: p, rest } = keyPathOf(tree.value, field);
  for (let n = p.length; n > 0; n--) {
    const location = tree.locate(p.slice(0, n));
    if (location) return rest === '' ? { location, field: fieldName(p) } : { location };
  }
  return undefined;
}

type Located = PlannedInstance & { origin: { stage: string; spec: StageSpec } };

/** The key of an instance's n-th dep or out in pipeline.yaml: its index in a list, its name in a mapping. */
function keyIn(inst: Located, kind: 'deps' | 'outs', index: number): string | number {
  return declared(inst.origin.spec[kind])[index]?.key ?? index;
}

function normalize(p: string): string {
  return path.posix.normalize(p).replace(/\/+$/, '');
}

function checkOuts(instances: Located[], at: (p: KeyPath) => SourceLocation): Problem[] {
  const problems: Problem[] = [];
  const owners: OutOwner[] = [];
  for (const inst of instances) {
    inst.outs = inst.outs.map(normalize);
    inst.deps = inst.deps.map(normalize);
    inst.outs.forEach((out, index) => owners.push({ out, inst, index }));
  }
  owners.sort((a, b) => a.out.localeCompare(b.out));
  for (let i = 0; i < owners.length; i++) {
    for (let j = i + 1; j < owners.length && isInside(owners[j]!.out, owners[i]!.out); j++) {
      // Reported where the later of the two is declared: the line that introduced the clash.
      const [a, b] = orderByLine(owners[i]!, owners[j]!, at);
      const same = a.inst.id === b.inst.id;
      const what = a.out === b.out ? `"${b.out}"` : isInside(b.out, a.out) ? `"${b.out}" (inside "${a.out}")` : `"${b.out}" (around "${a.out}")`;
      problems.push({
        location: at(['stages', b.inst.origin.stage, 'outs', keyIn(b.inst, 'outs', b.index)]),
        field: fieldName(['stages', b.inst.origin.stage, 'outs', keyIn(b.inst, 'outs', b.index)]),
        message: same ? `${b.inst.id} declares ${what} twice` : `${b.inst.id} and ${a.inst.id} both write ${what}`,
      });
    }
  }
  return problems;
}

type OutOwner = { out: string; inst: Located; index: number };

function orderByLine(x: OutOwner, y: OutOwner, at: (p: KeyPath) => SourceLocation): [OutOwner, OutOwner] {
  const line = (o: OutOwner): number => at(['stages', o.inst.origin.stage, 'outs', keyIn(o.inst, 'outs', o.index)]).line;
  return line(x) <= line(y) ? [x, y] : [y, x];
}

/**
 * Paths no out may replace: moving an output into place deletes what was there, so an out naming
 * the pipeline's own definition, its code or its state would destroy it. `dir` paths are also
 * refused when an out lies inside them (a file written into configs/ would become config).
 */
interface ProtectedPath {
  path: string;
  what: string;
  dir: boolean;
}

function protectedPaths(root: string, cache: string, instances: Located[]): ProtectedPath[] {
  const out: ProtectedPath[] = [
    { path: PIPELINE_FILE, what: 'the pipeline definition', dir: false },
    { path: LOCK_FILE, what: 'the lock file', dir: false },
    { path: 'package.json', what: 'the package manifest', dir: false },
    { path: CONFIG_DIR, what: 'the config directory', dir: true },
    { path: '.git', what: "git's repository", dir: true },
    { path: 'node_modules', what: 'the installed packages', dir: true },
  ];
  const cacheRel = path.relative(root, path.resolve(root, cache)).split(path.sep).join('/');
  if (cacheRel !== '' && !cacheRel.startsWith('..')) out.push({ path: normalize(cacheRel), what: 'the run-cache', dir: true });
  const seen = new Set<string>();
  for (const inst of instances) {
    for (const file of inst.codeFiles) {
      if (seen.has(file)) continue;
      seen.add(file);
      const role = file === inst.module ? `the module of stage ${inst.origin.stage}` : `code that stage ${inst.origin.stage} imports`;
      out.push({ path: file, what: role, dir: false });
    }
  }
  return out;
}

function checkProtectedOuts(instances: Located[], guarded: ProtectedPath[], at: (p: KeyPath) => SourceLocation): Problem[] {
  const problems: Problem[] = [];
  for (const inst of instances) {
    inst.outs.forEach((out, index) => {
      for (const g of guarded) {
        const clash =
          g.path === out
            ? `is ${g.what}`
            : isInside(g.path, out)
              ? `contains "${g.path}", ${g.what}`
              : g.dir && isInside(out, g.path)
                ? `is inside ${g.what}`
                : undefined;
        if (!clash) continue;
        problems.push({
          location: at(['stages', inst.origin.stage, 'outs', keyIn(inst, 'outs', index)]),
          field: fieldName(['stages', inst.origin.stage, 'outs', keyIn(inst, 'outs', index)]),
          message: `"${out}" ${clash}: the output would replace it`,
        });
        break;
      }
    });
  }
  return problems;
}

/**
 * Which instances write a path: by each out, and by each folder above an out. A lookup costs the
 * depth of the path, not the number of instances (a sweep of 10,000 checked every instance for
 * every dep: 10^8 comparisons).
 */
class Producers {
  private readonly byOut = new Map<string, Located[]>();
  private readonly byFolder = new Map<string, Located[]>();
  private readonly all: Located[] = [];

  constructor(instances: Located[]) {
    const add = (map: Map<string, Located[]>, key: string, inst: Located): void => {
      const list = map.get(key);
      if (!list) map.set(key, [inst]);
      else if (list[list.length - 1] !== inst) list.push(inst);
    };
    for (const inst of instances) {
      if (inst.outs.length > 0) this.all.push(inst);
      for (const out of inst.outs) {
        add(this.byOut, out, inst);
        for (let i = out.indexOf('/'); i > 0; i = out.indexOf('/', i + 1)) add(this.byFolder, out.slice(0, i), inst);
      }
    }
  }

  /** The instances with an out that equals `dep`, lies inside it, or contains it (isInside both ways). */
  of(dep: string): Set<Located> {
    if (dep === '.') return new Set(this.all);
    const found = new Set<Located>([...(this.byOut.get(dep) ?? []), ...(this.byFolder.get(dep) ?? []), ...(this.byOut.get('.') ?? [])]);
    for (let i = dep.lastIndexOf('/'); i > 0; i = dep.lastIndexOf('/', i - 1)) for (const inst of this.byOut.get(dep.slice(0, i)) ?? []) found.add(inst);
    return found;
  }
}

/** A dep is produced by every instance whose out equals it, lies inside it, or contains it. */
async function linkDeps(root: string, instances: Located[], at: (p: KeyPath) => SourceLocation): Promise<Problem[]> {
  const problems: Problem[] = [];
  const writers = new Producers(instances);
  for (const inst of instances) {
    const upstream = new Set<string>();
    for (const [index, dep] of inst.deps.entries()) {
      const producers = [...writers.of(dep)];
      if (producers.length === 0) {
        try {
          await access(path.join(root, dep));
        } catch (e) {
          problems.push({
            location: at(['stages', inst.origin.stage, 'deps', keyIn(inst, 'deps', index)]),
            field: fieldName(['stages', inst.origin.stage, 'deps', keyIn(inst, 'deps', index)]),
            message: isMissing(e) ? `"${dep}" does not exist and no stage writes it` : `"${dep}" cannot be reached: ${(e as Error).message}`,
          });
        }
      }
      for (const p of producers) upstream.add(p.id);
    }
    inst.upstream = [...upstream].sort();
  }
  return problems;
}

function topologicalOrder(instances: Located[], at: (p: KeyPath) => SourceLocation): Result<Located[]> {
  const problems: Problem[] = [];
  const index = new Map(instances.map((i) => [i.id, i]));
  const state = new Map<string, 'visiting' | 'done'>();
  const order: Located[] = [];
  const visit = (inst: Located, trail: Located[]): void => {
    const s = state.get(inst.id);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(inst)), inst].map((i) => i.id);
      problems.push({
        location: at(['stages', inst.origin.stage, 'deps']),
        field: fieldName(['stages', inst.origin.stage, 'deps']),
        message: `dependency cycle: ${cycle.join(' -> ')}`,
      });
      return;
    }
    state.set(inst.id, 'visiting');
    for (const up of inst.upstream) visit(index.get(up)!, [...trail, inst]);
    state.set(inst.id, 'done');
    order.push(inst);
  };
  for (const inst of instances) {
    visit(inst, []);
    if (problems.length > 0) return fail(problems);
  }
  return succeed(order);
}
