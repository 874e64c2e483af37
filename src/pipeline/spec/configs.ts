/**
 * The config tree: every YAML file under configs/ becomes a key path from its file path
 * (configs/train.yaml -> train, configs/experiments/wide.yaml -> experiments.wide), except
 * configs/profiles/, whose files are overlays deep-merged over the tree by --profile NAME.
 * --set key=value overrides win over both. Every value remembers where it came from.
 */
import path from 'node:path';
import { fail, succeed, type Problem, type Result, type SourceLocation, type WithProblems } from '../errors.ts';
import { walk } from '../fs/walk.ts';
import { loadYaml, readYaml, type KeyPath, type YamlFile } from './yaml-file.ts';

export const CONFIG_DIR = 'configs';
export const PROFILE_DIR = 'profiles';

/** One source of values, mounted at `prefix` in the tree. Later layers win. */
interface Layer {
  prefix: string[];
  locate: (path: KeyPath, atKey?: boolean) => SourceLocation;
  has: (path: KeyPath) => boolean;
}

export interface ConfigTree {
  value: Record<string, unknown>;
  /** Where the value at `path` (its key, with atKey) was set (the winning layer), or undefined if it is not set. */
  locate(path: KeyPath, atKey?: boolean): SourceLocation | undefined;
  /** Whether `path` exists in the merged tree. */
  has(path: KeyPath): boolean;
  get(path: KeyPath): unknown;
  /** Whether configs/ has a folder for this key path (it may hold no files yet). */
  isDirectory(path: string[]): boolean;
}

export interface ConfigOptions {
  profile?: string;
  /** "a.b=value" strings; the value is parsed as a YAML scalar or flow collection. */
  sets?: string[];
}

/** The merged config tree of configs/, a profile and --set values; every problem found fails it. */
export async function loadConfigTree(root: string, opts: ConfigOptions = {}): Promise<Result<ConfigTree>> {
  const problems: Problem[] = [];
  const value: Record<string, unknown> = {};
  const layers: Layer[] = [];

  const fileOfKey = new Map<string, string>();
  const listing = await yamlFilesUnder(root, CONFIG_DIR);
  const directories = listing.value.directories;
  problems.push(...listing.problems);
  for (const rel of listing.value.files) {
    const keyPath = rel
      .slice(CONFIG_DIR.length + 1)
      .replace(/\.ya?ml$/, '')
      .split('/');
    if (keyPath[0] === PROFILE_DIR) continue;
    const other = fileOfKey.get(keyPath.join('.'));
    if (other) {
      // x.yml beside x.yaml would merge silently, the later winning key by key.
      problems.push({
        location: { file: rel, line: 1, column: 1 },
        message: `sets config "${keyPath.join('.')}" as ${other} does too; keep one of the two files`,
      });
      continue;
    }
    fileOfKey.set(keyPath.join('.'), rel);
    const read = await readYaml(path.join(root, rel), rel);
    if (!read.ok) {
      problems.push(...read.problems);
      continue;
    }
    const yaml = read.value;
    mergeAt(value, keyPath, yaml.value ?? {});
    layers.push(fileLayer(keyPath, yaml));
  }

  if (opts.profile !== undefined) {
    const rel = `${CONFIG_DIR}/${PROFILE_DIR}/${opts.profile}.yaml`;
    const available = (await yamlFilesUnder(root, `${CONFIG_DIR}/${PROFILE_DIR}`)).value.files.map((f) => path.basename(f).replace(/\.ya?ml$/, ''));
    if (!available.includes(opts.profile)) {
      problems.push({ field: '--profile', message: `no profile "${opts.profile}" (${rel} does not exist; available: ${available.join(', ') || 'none'})` });
    } else {
      const read = await readYaml(path.join(root, rel), rel);
      if (!read.ok) problems.push(...read.problems);
      else {
        const yaml = read.value;
        if (!isPlainObject(yaml.value)) {
          problems.push({ location: yaml.locate([]), message: 'a profile must be a mapping of config keys to override' });
        } else {
          mergeAt(value, [], yaml.value);
          layers.push(fileLayer([], yaml));
        }
      }
    }
  }

  for (const [i, set] of (opts.sets ?? []).entries()) {
    const eq = set.indexOf('=');
    const key = eq > 0 ? set.slice(0, eq).trim() : '';
    if (!key || key.split('.').some((s) => s === '')) {
      problems.push({ field: '--set', message: `"${set}" is not key.path=value` });
      continue;
    }
    let parsed: unknown;
    try {
      parsed = (await loadYaml()).parse(set.slice(eq + 1));
    } catch (e) {
      problems.push({ field: `--set ${key}`, message: `value is not valid YAML: ${(e as Error).message.split('\n')[0]}` });
      continue;
    }
    const keyPath = key.split('.');
    // A misspelt top-level key would add a config nobody reads; below that, stage schemas reject
    // unknown keys with the key's location, so only the first segment needs checking here.
    if (!(keyPath[0]! in value)) {
      const known = Object.keys(value).sort().join(', ');
      problems.push({ field: `--set ${key}`, message: `no config "${keyPath[0]}" under ${CONFIG_DIR}/ (there are: ${known || 'none'})` });
      continue;
    }
    setAt(value, keyPath, parsed);
    const where: SourceLocation = { file: '<command line>', line: 1, column: i + 1 };
    layers.push({
      prefix: keyPath,
      locate: () => where,
      has: () => true,
    });
  }

  const tree: ConfigTree = {
    value,
    isDirectory: (p) => directories.has(p.join('.')),
    get: (p) => getAt(value, p),
    has: (p) => getAt(value, p) !== undefined,
    locate(p, atKey) {
      for (const layer of [...layers].reverse()) {
        if (!startsWith(p, layer.prefix) && !startsWith(layer.prefix, p)) continue;
        if (startsWith(p, layer.prefix)) {
          const inner = p.slice(layer.prefix.length);
          if (layer.has(inner)) return layer.locate(inner, atKey);
        } else {
          // The layer sits below p (p names a whole file or directory): point at that file.
          return layer.locate([]);
        }
      }
      return undefined;
    },
  };
  return problems.length > 0 ? fail(problems) : succeed(tree);
}

function fileLayer(prefix: string[], yaml: YamlFile): Layer {
  return {
    prefix,
    locate: (p, atKey) => yaml.locate(p, atKey),
    // An empty file still sets its key (to nothing): problems with it belong to that file.
    has: (p) => p.length === 0 || getAt(yaml.value, p) !== undefined,
  };
}

/**
 * YAML files under `rel`, sorted, and the config key paths of its folders; a folder named like a
 * YAML file is a problem beside them.
 */
async function yamlFilesUnder(root: string, rel: string): Promise<WithProblems<{ files: string[]; directories: Set<string> }>> {
  const files: string[] = [];
  const directories = new Set<string>();
  const misnamed: Problem[] = [];
  for await (const { rel: under, entry } of walk(path.join(root, rel))) {
    const child = `${rel}/${under}`;
    if (entry.isDirectory()) {
      // A folder named like a config file was meant to be one: say so where it is, rather than
      // report its key as unset at the line that reads it.
      if (/\.ya?ml$/.test(entry.name)) misnamed.push({ location: { file: child, line: 1, column: 1 }, message: `is a directory, not a YAML file` });
      directories.add(
        child
          .slice(CONFIG_DIR.length + 1)
          .split('/')
          .join('.'),
      );
    } else if (/\.ya?ml$/.test(entry.name)) files.push(child);
  }
  return { value: { files, directories }, problems: misnamed };
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function startsWith(p: KeyPath, prefix: KeyPath): boolean {
  return prefix.length <= p.length && prefix.every((s, i) => String(s) === String(p[i]));
}

export function getAt(v: unknown, p: KeyPath): unknown {
  let cur = v;
  for (const seg of p) {
    if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
    else if (isPlainObject(cur)) cur = cur[String(seg)];
    else return undefined;
  }
  return cur;
}

function setAt(target: Record<string, unknown>, p: string[], v: unknown): void {
  let cur = target;
  for (const seg of p.slice(0, -1)) {
    if (!isPlainObject(cur[seg])) cur[seg] = {};
    cur = cur[seg] as Record<string, unknown>;
  }
  cur[p[p.length - 1]!] = v;
}

/** Deep merge of mappings; anything else (lists included) is replaced, as in DVC params overrides. */
function mergeAt(target: Record<string, unknown>, p: string[], v: unknown): void {
  if (p.length === 0) {
    if (!isPlainObject(v)) return;
    for (const [k, child] of Object.entries(v)) {
      if (isPlainObject(child) && isPlainObject(target[k])) mergeAt(target[k] as Record<string, unknown>, [], child);
      else target[k] = structuredClone(child);
    }
    return;
  }
  const existing = getAt(target, p);
  if (isPlainObject(existing) && isPlainObject(v)) mergeAt(existing, [], v);
  else setAt(target, p, structuredClone(v));
}
