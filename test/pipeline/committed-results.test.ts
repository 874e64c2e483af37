/**
 * A fresh clone must not re-run what needs neither the data nor the models: every small output
 * (under 1 MiB; the data set is the large one) the committed pipeline.lock records for an instance
 * without deps is itself committed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { it } from 'node:test';
import { parse } from 'yaml';
import { REPO } from '../helpers/project.ts';

const git = promisify(execFile);

it('every small output of an instance without deps is tracked in git', async () => {
  const lock = parse(await readFile(path.join(REPO, 'pipeline.lock'), 'utf8')) as {
    stages: Record<string, { deps: Record<string, unknown>; outs: Record<string, { files: number; size: number }> }>;
  };
  const { stdout } = await git('git', ['ls-files', '-z'], { cwd: REPO });
  const tracked = stdout.split('\0');
  const untracked: string[] = [];
  for (const [id, entry] of Object.entries(lock.stages)) {
    if (Object.keys(entry.deps).length > 0) continue;
    for (const [out, h] of Object.entries(entry.outs)) {
      if (h.size >= 2 ** 20) continue;
      const files = tracked.filter((f) => f === out || f.startsWith(`${out}/`));
      if (files.length !== h.files) untracked.push(`${id}: ${out} (${files.length} of ${h.files} files tracked)`);
    }
  }
  assert.deepEqual(untracked, []);
});
