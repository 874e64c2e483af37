/**
 * YAML files parsed with source positions, so that every later check can point at file:line:column.
 * The one place the yaml package is loaded (loadYaml): the plan it produces is plain data.
 */
import { readFile, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Document, Node } from 'yaml';
import { fail, isErrno, succeed, UserError, type Problem, type Result, type SourceLocation } from '../errors.ts';
import { writeFileAtomic } from '../fs/atomic.ts';
import { readJsonCopy, writeJsonCopy } from '../fs/json-copy.ts';
import { sha256 } from '../plan/fingerprint.ts';

export type KeyPath = ReadonlyArray<string | number>;

export interface YamlFile {
  /** Path as shown to the user (relative to the project root). */
  file: string;
  value: unknown;
  /** Location of the node at `path` (of its key, with atKey), or of its nearest existing ancestor. */
  locate(path: KeyPath, atKey?: boolean): SourceLocation;
}

type YamlPackage = typeof import('yaml');
let yamlPackage: Promise<YamlPackage> | undefined;

/**
 * The yaml package, loaded at its first use. An up-to-date run parses no YAML (the plan, the lock
 * and pipeline.yaml come from their JSON copies), and loading the package was about 25 ms of the
 * 300 such a run takes.
 */
export function loadYaml(): Promise<YamlPackage> {
  // A CommonJS package: its exports object is the namespace's default, in node and in the bundle
  // (whose chunk of it exports nothing else).
  return (yamlPackage ??= import('yaml').then((ns) => (ns as { default?: YamlPackage }).default ?? ns));
}

export async function parseYaml(file: string, text: string): Promise<Result<YamlFile>> {
  const parsed = await parseWithPositions(file, text);
  return parsed.ok ? succeed(yamlFile(file, parsed.value)) : parsed;
}

/** What `locate` needs of a document, without the document: every node's offsets, by path. */
interface Positions {
  lineStarts: number[];
  /** The offset of the document's root. */
  root: number;
  /** By the node's path (segments joined with NUL, a sequence's index as #N): its value's offset and its key's. */
  nodes: Record<string, [value: number, key: number]>;
  /** The paths of the mappings ('m') and sequences ('s'). */
  containers: Record<string, 'm' | 's'>;
}

async function parseWithPositions(file: string, text: string): Promise<Result<{ value: unknown; positions: Positions }>> {
  const yaml = await loadYaml();
  const lineCounter = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const at = (offset: number): SourceLocation => ({ file, ...lineAndColumn(lineCounter.lineStarts, offset) });
    return fail(doc.errors.map((e) => ({ location: at(withinText(text, e.pos[0])), message: `YAML syntax: ${firstLine(e.message)}` })));
  }
  return succeed({ value: doc.toJS() ?? undefined, positions: positionsOf(yaml, doc, lineCounter.lineStarts) });
}

function yamlFile(file: string, { value, positions }: { value: unknown; positions: Positions }): YamlFile {
  return { file, value, locate: (at, atKey) => ({ file, ...lineAndColumn(positions.lineStarts, offsetAt(positions, at, atKey ?? false)) }) };
}

/** The version of a parsed copy's shape; bumped when it changes (an older copy is parsed again). */
const COPY_VERSION = 1;

/**
 * readYaml through a parsed copy: `copy` holds the file's value and positions as JSON, keyed by
 * the digest of the text they came from, so an unchanged file is not parsed again. Any other text
 * (an edit, a torn copy) is parsed, and the copy rewritten. The copy is written only into a folder
 * that exists (the project's .pipeline/), and only for a file without problems, whose value JSON
 * keeps as it is.
 */
export async function readYamlThroughCopy(absPath: string, shownAs: string, copy: string): Promise<Result<YamlFile>> {
  let text: string;
  try {
    text = await readFile(absPath, 'utf8');
  } catch (e) {
    return cannotRead(shownAs, e, await danglingTarget(absPath, e));
  }
  const digest = sha256(text);
  const kept = (await readJsonCopy(copy, COPY_VERSION, digest)) as { value: unknown; positions?: Partial<Positions> } | undefined;
  // Of the right shape too: a copy damaged into other JSON would fail only when a message needs a place.
  const p = kept?.positions;
  const whole = Array.isArray(p?.lineStarts) && typeof p.root === 'number' && p.nodes instanceof Object && p.containers instanceof Object;
  if (kept && whole) return succeed(yamlFile(shownAs, { value: kept.value, positions: p as Positions }));
  const parsed = await parseWithPositions(shownAs, text);
  if (!parsed.ok) return parsed;
  if (isJsonValue(parsed.value.value) && (await stat(path.dirname(copy)).catch(() => undefined))?.isDirectory()) {
    // Derived and remade when missing: no fsync; a copy that cannot be written costs only the next parse.
    await writeJsonCopy(copy, COPY_VERSION, digest, parsed.value, { sync: false }).catch(() => undefined);
  }
  return succeed(yamlFile(shownAs, parsed.value));
}

export async function readYaml(absPath: string, shownAs: string): Promise<Result<YamlFile>> {
  try {
    return await parseYaml(shownAs, await readFile(absPath, 'utf8'));
  } catch (e) {
    return cannotRead(shownAs, e, await danglingTarget(absPath, e));
  }
}

/** readYaml for a file that may be absent (then undefined); any other read error is a problem. */
export async function readYamlIfPresent(absPath: string, shownAs: string): Promise<Result<YamlFile | undefined>> {
  try {
    return await parseYaml(shownAs, await readFile(absPath, 'utf8'));
  } catch (e) {
    const dangling = await danglingTarget(absPath, e);
    return isErrno(e, 'ENOENT') && dangling === undefined ? succeed(undefined) : cannotRead(shownAs, e, dangling);
  }
}

/** A YAML document to edit in place: setIn, deleteIn, createNode (the yaml package's Document). */
export type YamlDocument = Document;

export interface YamlEdit {
  /** An absent file is edited as an empty one (a local config not made yet); otherwise it cannot be read. */
  absentIsEmpty: boolean;
  /** Runs after the read and before any change, so that a file already broken is reported as it is, not rewritten. */
  check(): Promise<unknown>;
}

/**
 * Applies `edit` to the file's YAML document and writes it atomically. The document is edited, not
 * re-dumped from its value, so the file keeps its comments and layout (`pipeline remote add`).
 */
export async function editYaml(absPath: string, shownAs: string, how: YamlEdit, edit: (doc: YamlDocument) => void): Promise<void> {
  const { parseDocument } = await loadYaml();
  let text = '';
  try {
    text = await readFile(absPath, 'utf8');
  } catch (e) {
    if (!isErrno(e, 'ENOENT') || !how.absentIsEmpty) throw new UserError(cannotRead(shownAs, e, undefined).problems);
  }
  await how.check();
  const doc = parseDocument(text);
  edit(doc);
  await writeFileAtomic(absPath, doc.toString({ lineWidth: 0 }));
}

function cannotRead(shownAs: string, e: unknown, dangling: string | undefined): { ok: false; problems: Problem[] } {
  const message = dangling === undefined ? `cannot read: ${(e as Error).message}` : `is a symbolic link to ${dangling}, which does not exist`;
  return fail({ location: { file: shownAs, line: 1, column: 1 }, message });
}

/** Where a link that leads nowhere points (the reason a listed file cannot be opened), if it is one. */
async function danglingTarget(absPath: string, e: unknown): Promise<string | undefined> {
  if (!isErrno(e, 'ENOENT')) return undefined;
  return readlink(absPath).catch(() => undefined);
}

/**
 * The parser reports what was left open (a quote, a flow list) at the end of the input, a line
 * past the file's last; the user looks for it on the last line that has text.
 */
function withinText(text: string, offset: number): number {
  if (text.slice(offset).trim() !== '') return offset;
  const end = text.trimEnd().length;
  return text.lastIndexOf('\n', end - 1) + 1;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/**
 * Every node's offsets, as the walk along a path finds them: a key's value at the value (at the
 * key when the value is empty), a missing offset at the parent's. The first of two equal keys is
 * the one found, as in a lookup.
 */
function positionsOf(yaml: YamlPackage, doc: Document, lineStarts: number[]): Positions {
  const root = rangeStart(doc.contents) ?? 0;
  const positions: Positions = { lineStarts, root, nodes: {}, containers: {} };
  const visit = (node: unknown, at: string, offset: number): void => {
    if (yaml.isMap(node)) {
      positions.containers[at] = 'm';
      for (const pair of node.items) {
        if (!yaml.isPair(pair) || !yaml.isScalar(pair.key)) continue;
        const child = `${at}\0${String(pair.key.value)}`;
        if (positions.nodes[child]) continue;
        const key = rangeStart(pair.key) ?? offset;
        const value = rangeStart(pair.value) ?? key;
        positions.nodes[child] = [value, key];
        visit(pair.value, child, value);
      }
    } else if (yaml.isSeq(node)) {
      positions.containers[at] = 's';
      node.items.forEach((item, i) => {
        const child = `${at}\0#${i}`;
        const value = rangeStart(item) ?? offset;
        positions.nodes[child] = [value, value];
        visit(item, child, value);
      });
    }
  };
  visit(doc.contents, '', root);
  return positions;
}

/** Walks the positions along `path`; for a missing key, the nearest ancestor's offset. */
function offsetAt(positions: Positions, path: KeyPath, atKey: boolean): number {
  let offset = positions.root;
  let at = '';
  for (const [i, segment] of path.entries()) {
    const kind = positions.containers[at];
    const child = kind === 'm' ? `${at}\0${String(segment)}` : kind === 's' && typeof segment === 'number' ? `${at}\0#${segment}` : undefined;
    const node = child === undefined ? undefined : positions.nodes[child];
    if (!node) break;
    offset = i === path.length - 1 && atKey ? node[1] : node[0];
    at = child!;
  }
  return offset;
}

/** The 1-based line and column of an offset (the yaml package's LineCounter.linePos). */
function lineAndColumn(lineStarts: number[], offset: number): { line: number; column: number } {
  let low = 0;
  let high = lineStarts.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (lineStarts[mid]! < offset) low = mid + 1;
    else high = mid;
  }
  if (lineStarts[low] === offset) return { line: low + 1, column: 1 };
  if (low === 0) return { line: 0, column: offset };
  return { line: low, column: offset - lineStarts[low - 1]! + 1 };
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

/** Whether JSON keeps the value as it is: no .inf or .nan, no dates, no binary. */
function isJsonValue(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJsonValue);
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v as object).every(isJsonValue);
  return false;
}
