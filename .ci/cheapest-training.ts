/** Prints the train@ instance of the committed pipeline.lock whose recorded run took the least time: the one CI re-runs. */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

const lock = parse(await readFile('pipeline.lock', 'utf8')) as { stages: Record<string, { run: { seconds: number; outcome: string } }> };
const trained = Object.entries(lock.stages).filter(([id, e]) => id.startsWith('train@') && e.run.outcome === 'ran');
if (trained.length === 0) throw new Error('pipeline.lock records no training that ran');
trained.sort(([, a], [, b]) => a.run.seconds - b.run.seconds);
console.log(trained[0]![0]);
