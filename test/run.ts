/**
 * `npm test` and its tiers: node's test runner (its run() API, which keeps the order given) over
 * every test file under the folders given (or the files named), the slowest first (order.ts), two
 * files at a time (a third makes this 2-core VM's timing-bound cases miss their marks;
 * TEST_CONCURRENCY overrides it), and beside them, one at a time, the files that mostly wait
 * (order.ts, WAITING). TAP on stdout, or node's spec output on a terminal.
 *
 *   node --import ./test/loader/register.mjs test/run.ts test            # npm test
 *   node --import ./test/loader/register.mjs test/run.ts test/pipeline test/stages --exclude test/pipeline/unit
 *
 * The runner and everything it starts run without NODE_EXTRA_CA_CERTS: a machine that sets it
 * (this VM points it at the system's 144 certificates) makes every node process parse that bundle
 * as it starts, about 50 ms of CPU in each of the thousands of CLI and stage processes the suite
 * starts. No test reaches beyond loopback, and those that speak TLS to a server of their own hand
 * its certificate to the processes they start.
 */
import { setMaxListeners } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import path from 'node:path';
import { spec, tap } from 'node:test/reporters';
import { parseArgs } from 'node:util';
import { order, SLOWEST, startLanes } from './order.ts';

const { values, positionals } = parseArgs({ options: { exclude: { type: 'string', multiple: true, default: [] } }, allowPositionals: true });
const excluded = (f: string) => values.exclude.some((x) => f === x || f.startsWith(`${x.replace(/\/$/, '')}/`));

/** The test files under a folder, or the file itself when one is named. */
function testFiles(dir: string): string[] {
  if (statSync(dir).isFile()) return [dir];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.test.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

// The order is a speed-up, never a reason to fail the suite: a stale entry is only named.
for (const f of SLOWEST) if (!existsSync(f)) console.error(`test/order.ts: ${f} is in SLOWEST but is not a file (renamed? update the list)`);
const files = order(positionals.flatMap(testFiles).filter((f) => !excluded(f)));
if (files.length === 0) {
  console.error(`test/run.ts: no *.test.ts under ${positionals.join(', ') || '(no folder given)'}`);
  process.exit(2);
}
// The test files inherit this process's flags (the TypeScript loader, test/loader/) and environment.
delete process.env.NODE_EXTRA_CA_CERTS;
// Every temporary folder of the run (projects, servers' data, clusters, browser profiles) under
// one, removed at the end: a case that forgets its own, or a killed one, leaves nothing behind.
const scratch = mkdtempSync(path.join(tmpdir(), 'pipeline-tests-'));
// Traversable, as /tmp is: a daemon a test starts as another user (munged runs as munge) reaches
// its own folder inside; each test's folders are still its own (mkdtemp makes them 0700).
chmodSync(scratch, 0o755);
process.env.TMPDIR = scratch;
const concurrency = Number(process.env.TEST_CONCURRENCY ?? '2');
const controller = new AbortController();
// The runner listens on the signal once per file: more than node's default warning threshold of 10.
setMaxListeners(files.length + 10, controller.signal);
// Ctrl-C stops the files that run (the runner's own handling); this process ends once they have.
for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => controller.abort());
let failed = false;
const stream = Readable.from(
  (async function* () {
    for await (const e of startLanes(files, concurrency, controller.signal)) {
      if (e.type === 'test:fail') failed = true;
      yield e;
    }
  })(),
);
(process.stdout.isTTY ? stream.compose(new spec()) : stream.compose(tap)).pipe(process.stdout);
stream.on('close', () => {
  process.exitCode = controller.signal.aborted ? 130 : failed ? 1 : 0;
  rmSync(scratch, { recursive: true, force: true });
});
