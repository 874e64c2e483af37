/**
 * One out of a re-run against its lock record: identical (the hash matches), within the
 * tolerance the stage declares (compared file by file with the recorded content, which must still
 * be in the workspace), or different, with where.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Hasher, PathHash } from '../plan/fingerprint.ts';
import { formatProblems } from '../errors.ts';
import { compareUnderRule } from './compare.ts';
import { globMatches, type VerifyRule } from './rules.ts';

export interface OutVerdict {
  out: string;
  result: 'identical' | 'within-tolerance' | 'different';
  details: string[];
}

interface Side {
  hasher: Hasher;
  root: string;
}

const short = (h: string): string => h.slice(0, 12);

export async function compareOut(out: string, recorded: PathHash, produced: Side, workspace: Side, rules: VerifyRule[]): Promise<OutVerdict> {
  const got = await produced.hasher.describe(out);
  if (!got) return { out, result: 'different', details: ['the re-run did not write it'] };
  if (got.hash === recorded.hash) return { out, result: 'identical', details: [] };
  const bytesDiffer = `sha256 ${short(recorded.hash)} recorded, ${short(got.hash)} produced`;
  const ruleFor = (file: string): VerifyRule | undefined => rules.find((r) => globMatches(r.files, file));
  const covered = got.listing ? got.listing.some((f) => ruleFor(`${out}/${f.path}`)) : ruleFor(out) !== undefined;
  if (!covered) return { out, result: 'different', details: [`${bytesDiffer}; the stage declares no tolerance for it`] };

  // A tolerance needs the recorded bytes, and the lock holds only their hash: the workspace copy
  // serves when it still hashes to the record.
  const have = await workspace.hasher.describe(out);
  if (!have || have.hash !== recorded.hash) {
    return {
      out,
      result: 'different',
      details: [
        `${bytesDiffer}; the recorded content is not in the workspace (${have ? 'it holds other content' : 'missing'}), so the declared tolerance cannot be applied`,
      ],
    };
  }
  const pairs: Array<{ file: string; recorded?: string; produced?: string }> = [];
  if (got.listing && have.listing) {
    const mine = new Map(got.listing.map((f) => [f.path, f.hash]));
    const theirs = new Map(have.listing.map((f) => [f.path, f.hash]));
    for (const p of [...new Set([...mine.keys(), ...theirs.keys()])].sort())
      pairs.push({ file: `${out}/${p}`, recorded: theirs.get(p), produced: mine.get(p) });
  } else {
    pairs.push({ file: out, recorded: have.hash, produced: got.hash });
  }
  const details: string[] = [];
  for (const p of pairs) {
    if (p.recorded === p.produced) continue;
    if (p.recorded === undefined || p.produced === undefined) {
      details.push(`${p.file}: ${p.recorded === undefined ? 'written by the re-run only' : 'not written by the re-run'}`);
      continue;
    }
    const rule = ruleFor(p.file);
    if (!rule) {
      details.push(`${p.file}: bytes differ and the stage declares no tolerance for it`);
      continue;
    }
    const [a, b] = await Promise.all([readFile(path.join(workspace.root, p.file)), readFile(path.join(produced.root, p.file))]);
    const c = compareUnderRule(rule, a, b);
    if (!c.ok) details.push(`${p.file}: ${formatProblems(c.problems)}`);
  }
  return { out, result: details.length > 0 ? 'different' : 'within-tolerance', details };
}
