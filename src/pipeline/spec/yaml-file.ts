/**
 * YAML files parsed with source positions, so that every later check can point at file:line:column.
 * Only this module (and the rest of spec/) knows about the yaml package; the plan it produces is plain data.
 */
import { readFile, readlink } from 'node:fs/promises';
import { LineCounter, parseDocument, isMap, isSeq, isPair, isScalar, type Document, type Node } from 'yaml';
import { fail, isErrno, succeed, UserError, type Problem, type Result, type SourceLocation } from '../errors.ts';
import { writeFileAtomic } from '../fs/atomic.ts';

export type KeyPath = ReadonlyArray<string | number>;

export interface YamlFile {
  /** Path as shown to the user (relative to the project root). */
  file: string;
  value: unknown;
  /** Location of the node at `path` (of its key, with atKey), or of its nearest existing ancestor. */
  locate(path: KeyPath, atKey?: boolean): SourceLocation;
}

export function parseYaml(file: string, text: string): Result<YamlFile> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  if (doc.errors.length > 0) {
    return fail(doc.errors.map((e) => ({ location: at(withinText(text, e.pos[0])), message: `YAML syntax: ${firstLine(e.message)}` })));
  }
  return succeed({ file, value: doc.toJS() ?? undefined, locate: (path, atKey) => at(offsetOf(doc, path, atKey ?? false)) });
}

export async function readYaml(absPath: string, shownAs: string): Promise<Result<YamlFile>> {
  try {
    return parseYaml(shownAs, await readFile(absPath, 'utf8'));
  } catch (e) {
    return cannotRead(shownAs, e, await danglingTarget(absPath, e));
  }
}

/** readYaml for a file that may be absent (then undefined); any other read error is a problem. */
export async function readYamlIfPresent(absPath: string, shownAs: string): Promise<Result<YamlFile | undefined>> {
  try {
    return parseYaml(shownAs, await readFile(absPath, 'utf8'));
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

/** Walks the document along `path`; for a missing key, the nearest ancestor's position. */
function offsetOf(doc: Document, path: KeyPath, atKey: boolean): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [i, segment] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      // Point at the value when it exists, else at the key (an empty value has no useful range).
      const last = i === path.length - 1;
      offset = (last && atKey ? rangeStart(pair.key) : (rangeStart(pair.value) ?? rangeStart(pair.key))) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
