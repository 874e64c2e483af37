/**
 * Tampering and corruption: outputs edited, truncated or deleted after a run; run-cache objects
 * and records corrupted; pipeline.lock broken or hand-edited. `pipeline status` must name each
 * one, and the next run must repair it: restore from a verified cache entry, or re-run, never
 * restore from a corrupted entry. Afterwards every recorded output matches its hash and the
 * outputs are byte-identical to those of the clean run.
 */
import assert from 'node:assert/strict';
import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { hashOf, lockMismatches } from '../helpers/lock-check.ts';
import type { Project } from '../helpers/project.ts';
import { toyChainProject } from '../helpers/toy-chain.ts';

const OUTS = ['out/a.txt', 'out/b.txt', 'out/b-dir'];

type LockDoc = {
  schema: number;
  stages: Record<string, { fingerprint: string; item: Record<string, Record<string, unknown>>; outs: Record<string, { hash: string }> }>;
};

interface Case {
  name: string;
  tamper(p: Project): Promise<void>;
  /** What `pipeline status` must say. */
  status: RegExp;
  /** Outcomes the repairing run must have (others: anything but failed). */
  repaired: Record<string, 'ran' | 'restored'>;
}

const abs = (p: Project, rel: string): string => path.join(p.root, rel);
const lockOf = async (p: Project): Promise<LockDoc> => parse(await p.read('pipeline.lock')) as LockDoc;
const editLock = async (p: Project, edit: (l: LockDoc) => void): Promise<void> => {
  const l = await lockOf(p);
  edit(l);
  await p.write('pipeline.lock', stringify(l));
};
/** The run-cache object holding the content of a recorded file out (or of a file in a dir out). */
const objectOf = async (p: Project, id: string, out: string, file?: string): Promise<string> => {
  const hash = file ? await hashOf(abs(p, `${out}/${file}`)) : (await lockOf(p)).stages[id]!.outs[out]!.hash;
  return abs(p, `artifacts/cache/files/${hash.slice(0, 2)}/${hash.slice(2)}`);
};
const recordOf = async (p: Project, id: string): Promise<string> => abs(p, `artifacts/cache/runs/${(await lockOf(p)).stages[id]!.fingerprint}.json`);
/** Same length, different bytes: only a content check notices. */
const flipBytes = async (file: string): Promise<void> => {
  const b = await readFile(file);
  for (let i = 0; i < b.length; i += 7) b[i] = b[i]! ^ 0x20;
  await writeFile(file, b);
};

const cases: Case[] = [
  // Outputs
  { name: 'file output edited', tamper: (p) => p.append('out/a.txt', ' edited'), status: /outs: out\/a\.txt modified/, repaired: { a: 'restored' } },
  { name: 'file output truncated', tamper: (p) => truncate(abs(p, 'out/b.txt'), 3), status: /outs: out\/b\.txt modified/, repaired: { b: 'restored' } },
  { name: 'file output deleted', tamper: (p) => p.remove('out/a.txt'), status: /outs: out\/a\.txt missing/, repaired: { a: 'restored' } },
  {
    name: 'file output edited, same size',
    tamper: async (p) => flipBytes(abs(p, 'out/b.txt')),
    status: /outs: out\/b\.txt modified/,
    repaired: { b: 'restored' },
  },
  {
    name: 'file in a directory output edited',
    tamper: (p) => p.append('out/b-dir/part-a', 'x'),
    status: /outs: out\/b-dir modified/,
    repaired: { b: 'restored' },
  },
  {
    name: 'file added to a directory output',
    tamper: (p) => p.write('out/b-dir/stray', 'x'),
    status: /outs: out\/b-dir modified/,
    repaired: { b: 'restored' },
  },
  {
    name: 'file removed from a directory output',
    tamper: (p) => p.remove('out/b-dir/part-b'),
    status: /outs: out\/b-dir modified/,
    repaired: { b: 'restored' },
  },
  { name: 'directory output deleted', tamper: (p) => p.remove('out/b-dir'), status: /outs: out\/b-dir missing/, repaired: { b: 'restored' } },

  // Run-cache: a corrupted entry is named by status and never restored from
  {
    name: 'cache object corrupted (same size), output deleted',
    tamper: async (p) => {
      await flipBytes(await objectOf(p, 'a', 'out/a.txt'));
      await p.remove('out/a.txt');
    },
    status: /run-cache: object \S+ \(out\/a\.txt\) is corrupt/,
    repaired: { a: 'ran' },
  },
  {
    name: 'cache object truncated, output edited',
    tamper: async (p) => {
      await truncate(await objectOf(p, 'b', 'out/b.txt'), 2);
      await p.append('out/b.txt', '!');
    },
    status: /run-cache: object \S+ \(out\/b\.txt\) is corrupt/,
    repaired: { b: 'ran' },
  },
  {
    name: 'cache object of a file in a directory output corrupted, directory deleted',
    tamper: async (p) => {
      await flipBytes(await objectOf(p, 'b', 'out/b-dir', 'part-b'));
      await p.remove('out/b-dir');
    },
    status: /run-cache: object \S+ \(out\/b-dir\/part-b\) is corrupt/,
    repaired: { b: 'ran' },
  },
  {
    name: 'cache object deleted, output deleted',
    tamper: async (p) => {
      await rm(await objectOf(p, 'a', 'out/a.txt'));
      await p.remove('out/a.txt');
    },
    status: /run-cache: object \S+ \(out\/a\.txt\) is missing/,
    repaired: { a: 'ran' },
  },
  {
    name: 'run record not JSON, output deleted',
    tamper: async (p) => {
      await writeFile(await recordOf(p, 'a'), '{"outs": {"out/a.txt": {"ty');
      await p.remove('out/a.txt');
    },
    status: /run-cache: record \S+\.json is not valid JSON/,
    repaired: { a: 'ran' },
  },
  {
    name: 'run record of an unknown layout, output deleted',
    tamper: async (p) => {
      await writeFile(await recordOf(p, 'b'), '{"outs": {"out/b.txt": {"type": "link", "to": "/etc/passwd"}}}');
      await p.remove('out/b.txt');
    },
    status: /run-cache: record \S+\.json has an unknown layout/,
    repaired: { b: 'ran' },
  },
  {
    name: 'run record lacking an output, output deleted',
    tamper: async (p) => {
      const f = await recordOf(p, 'b');
      const r = JSON.parse(await readFile(f, 'utf8'));
      delete r.outs['out/b-dir'];
      await writeFile(f, JSON.stringify(r));
      await p.remove('out/b-dir');
    },
    status: /run-cache: record lacks out\/b-dir/,
    repaired: { b: 'ran' },
  },

  // pipeline.lock
  {
    name: 'lock not valid YAML',
    tamper: (p) => p.write('pipeline.lock', 'schema: 1\nstages:\n  a: {fingerprint: [\n'),
    status: /pipeline\.lock is not valid YAML/,
    repaired: { a: 'restored', b: 'restored' },
  },
  {
    name: 'lock truncated to nothing',
    tamper: (p) => p.write('pipeline.lock', ''),
    status: /a\s+stale \(restorable from run-cache\)\n\s+never run/,
    repaired: { a: 'restored', b: 'restored' },
  },
  {
    name: 'lock of an unknown layout',
    tamper: (p) =>
      editLock(p, (l) => {
        l.schema = 2;
      }),
    status: /pipeline\.lock has an unknown layout/,
    repaired: { a: 'restored', b: 'restored' },
  },
  {
    name: 'lock entry removed',
    tamper: (p) =>
      editLock(p, (l) => {
        delete l.stages.b;
      }),
    status: /b\s+stale \(restorable from run-cache\)\n\s+never run \(no entry in pipeline\.lock\)/,
    repaired: { b: 'restored' },
  },
  {
    name: 'lock: recorded out hash changed',
    tamper: (p) =>
      editLock(p, (l) => {
        l.stages.a!.outs['out/a.txt']!.hash = '0'.repeat(64);
      }),
    status: /outs: out\/a\.txt modified/,
    repaired: { a: 'restored' },
  },
  {
    name: 'lock: recorded out hash not a hash',
    tamper: (p) =>
      editLock(p, (l) => {
        l.stages.b!.outs['out/b.txt']!.hash = 'deadbeef';
      }),
    status: /the entry of b is malformed \(outs\.out\/b\.txt\.hash/,
    repaired: { b: 'restored' },
  },
  {
    name: 'lock: recorded item edited',
    tamper: (p) =>
      editLock(p, (l) => {
        l.stages.a!.item.a!.v = 99;
      }),
    status: /item: a\.v 99 -> 1/,
    repaired: { a: 'restored' },
  },
  {
    name: 'lock: fingerprint edited',
    tamper: (p) =>
      editLock(p, (l) => {
        l.stages.b!.fingerprint = 'f'.repeat(64);
      }),
    status: /fingerprint differs from pipeline\.lock/,
    repaired: { b: 'restored' },
  },
  {
    name: 'lock: recorded out removed',
    tamper: (p) =>
      editLock(p, (l) => {
        delete l.stages.b!.outs['out/b-dir'];
      }),
    status: /definition: outs list changed/,
    repaired: { b: 'restored' },
  },
];

describe('tampering and corruption', () => {
  const projects: Project[] = [];
  let detected = 0;
  after(async () => {
    for (const p of projects) await p.dispose();
    console.log(`tampering summary: ${detected} of ${cases.length} corruptions detected by status and repaired`);
  });

  // Cases share a project (each repair restores the clean state, which the next case checks).
  const worker = async (mine: Case[]): Promise<string[]> => {
    const p = await toyChainProject({ 'configs/a.yaml': 'v: 1\n', 'configs/b.yaml': 'v: 1\n' });
    projects.push(p);
    assert.equal((await p.run()).code, 0);
    const clean = new Map(await Promise.all(OUTS.map(async (o) => [o, await hashOf(abs(p, o))] as const)));
    const failures: string[] = [];
    for (const c of mine) {
      try {
        await c.tamper(p);
        const st = await p.cli('status');
        assert.equal(st.code, 0, st.stderr);
        assert.match(st.stdout, c.status, `status does not name it:\n${st.stdout}`);
        detected++;
        const r = await p.run();
        assert.equal(r.code, 0, r.stderr);
        for (const [id, outcome] of Object.entries(c.repaired)) assert.equal(r.outcomes[id], outcome, `${id}: ${r.stdout}`);
        assert.deepEqual((await lockMismatches(p)).mismatches, []);
        for (const [o, h] of clean) assert.equal(await hashOf(abs(p, o)), h, `${o} differs from the clean run's`);
        const again = await p.cli('status');
        assert.match(again.stdout, /\n0 of 2 stale/, `not repaired:\n${again.stdout}`);
        console.log(
          `tamper: ${c.name}: detected, repaired (${Object.entries(c.repaired)
            .map(([id, o]) => `${id} ${o}`)
            .join(', ')})`,
        );
      } catch (e) {
        failures.push(`✖ ${c.name}: ${(e as Error).message}`);
        await p.run('--force'); // back to a clean state, so one failure does not cascade
      }
    }
    return failures;
  };

  it(`${cases.length} tamperings are named by status and repaired by the next run`, { timeout: 20 * 60_000 }, async () => {
    const half = Math.ceil(cases.length / 2);
    const failures = (await Promise.all([worker(cases.slice(0, half)), worker(cases.slice(half))])).flat();
    assert.equal(failures.length, 0, failures.join('\n\n'));
  });
});
