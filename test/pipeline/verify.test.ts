/**
 * pipeline verify on a toy pipeline: a deterministic stage reproduces its recorded hashes; a
 * tampered record and a nondeterministic stage without a tolerance are mismatches; a declared
 * tolerance accepts what it covers and nothing else; the workspace, lock and cache stay untouched.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Project } from '../helpers/project.ts';

const PIPELINE = `
stages:
  det:
    module: stages/toy.ts
    reads: [det]
    outs: [out/det.txt]
  clock:
    module: stages/noisy.ts
    outs: [out/clock.json]
  flaky:
    module: stages/flaky.ts
    outs: [out/flaky.txt]
  timed:
    module: stages/noisy.ts
    outs: [out/timed]
    verify:
      - files: out/timed/*.json
        json: { ignore: [nonce] }
`;

/** Writes a fresh random nonce each run: a stand-in for wall times in a training history. */
const NOISY_STAGE = `
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
export default {
  description: 'writes a random nonce',
  item: z.object({}).passthrough(),
  async run(ctx: any) {
    const body = JSON.stringify({ value: 1, nonce: Math.random() });
    for (const o of ctx.outs) {
      if (o.endsWith('.json')) await writeFile(o, body);
      else {
        await mkdir(o, { recursive: true });
        await writeFile(path.join(o, 'a.json'), body);
        await writeFile(path.join(o, 'b.txt'), 'the same every run');
      }
    }
  },
};
`;

/** Fails once the file flaky.flag exists: a stage that ran when recorded and breaks on re-run. */
const FLAKY_STAGE = `
import { access, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
export default {
  description: 'fails when flaky.flag exists',
  item: z.object({}).passthrough(),
  async run(ctx: any) {
    if (await access(path.join(ctx.root, 'flaky.flag')).then(() => true, () => false)) throw new Error('flaky.flag is set');
    await writeFile(ctx.outs[0], 'ok');
  },
};
`;

async function listTree(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true })).map(String).sort();
  } catch {
    return [];
  }
}

describe('pipeline verify', { concurrency: false }, () => {
  let p: Project;
  before(async () => {
    p = await Project.create({ 'pipeline.yaml': PIPELINE, 'stages/noisy.ts': NOISY_STAGE, 'stages/flaky.ts': FLAKY_STAGE, 'configs/det.yaml': 'v: 1\n' });
    const r = await p.run();
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => p.dispose());

  it('a deterministic stage reproduces its hashes; a declared tolerance covers what differs only in ignored fields', async () => {
    const snapshot = async () => ({
      lock: await p.read('pipeline.lock'),
      det: await p.read('out/det.txt'),
      timed: await p.read('out/timed/a.json'),
      cache: await listTree(path.join(p.root, 'artifacts/cache')),
      hashes: await readFile(path.join(p.root, '.pipeline/hashes.json'), 'utf8'),
    });
    const before = await snapshot();
    const r = await p.cli('verify', 'det', 'timed');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^✔ det: reproduced/m);
    assert.match(r.stdout, /^ {4}out\/det\.txt: identical bytes$/m);
    assert.match(r.stdout, /^✔ timed: reproduced/m);
    assert.match(r.stdout, /^ {4}out\/timed: within the declared tolerance$/m);
    assert.match(r.stdout, /^verify: 2 reproduced, 0 mismatched, 0 failed, 0 not verifiable$/m);
    assert.deepEqual(await snapshot(), before, 'verify changed the workspace, the lock or the cache');
  });

  it('a nondeterministic stage without a tolerance is a mismatch (exit 1)', async () => {
    const r = await p.cli('verify', 'clock');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^✖ clock: MISMATCH/m);
    assert.match(r.stdout, /out\/clock\.json: different\n {6}sha256 [0-9a-f]{12} recorded, [0-9a-f]{12} produced; the stage declares no tolerance for it/);
  });

  it('a re-run that fails is reported with its error (exit 1)', async () => {
    await p.write('flaky.flag', '');
    try {
      const r = await p.cli('verify', 'flaky');
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /^✖ flaky: the re-run failed after [\d.]+s: flaky\.flag is set$/m);
      assert.match(r.stdout, /^verify: 0 reproduced, 0 mismatched, 1 failed, 0 not verifiable$/m);
    } finally {
      await p.remove('flaky.flag');
    }
  });

  it('a tampered recorded hash is a mismatch', async () => {
    const lock = await p.read('pipeline.lock');
    const recorded = (await p.lock()).stages.det!.outs['out/det.txt']!.hash;
    await p.write('pipeline.lock', lock.replace(recorded, 'f'.repeat(64)));
    try {
      const r = await p.cli('verify', 'det', '--json');
      assert.equal(r.code, 1, r.stderr);
      const [v] = JSON.parse(r.stdout) as Array<{ id: string; state: string; outs: Array<{ result: string }> }>;
      assert.equal(v!.state, 'mismatch');
      assert.equal(v!.outs[0]!.result, 'different');
    } finally {
      await p.write('pipeline.lock', lock);
    }
  });

  it('a tolerance needs the recorded content: with the workspace copy edited it cannot apply', async () => {
    const original = await p.read('out/timed/a.json');
    await p.write('out/timed/a.json', '{"value": 2}');
    try {
      const r = await p.cli('verify', 'timed');
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /the recorded content is not in the workspace \(it holds other content\), so the declared tolerance cannot be applied/);
    } finally {
      await p.write('out/timed/a.json', original);
    }
  });

  it('--sample picks that many recorded instances, the same ones for the same seed', async () => {
    const picked = async (seed: string): Promise<string> => {
      const r = await p.cli('verify', '--sample', '1', '--seed', seed, '--json');
      const verdicts = JSON.parse(r.stdout) as Array<{ id: string }>;
      assert.equal(verdicts.length, 1);
      return verdicts[0]!.id;
    };
    assert.equal(await picked('7'), await picked('7'));
    const bad = await p.cli('verify', '--sample', '0');
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'pipeline: --sample: must be a positive integer, got "0"');
  });

  it('an instance whose params changed since the record is not verifiable (exit 2)', async () => {
    await p.write('configs/det.yaml', 'v: 2\n');
    const r = await p.cli('verify', 'det');
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /^- det: not verified: its code, item or deps differ from the record \(item: det\.v 1 -> 2\)$/m);
  });
});
