/** The command line in-process: commands, options per command, and the mistakes a user makes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandLine } from '../../../src/pipeline/cli/command-table.ts';
import { usage } from '../../../src/pipeline/cli/commands/help.ts';
import { formatProblem, isUserError } from '../../../src/pipeline/errors.ts';

function mistake(argv: string[]): string {
  try {
    parseCommandLine(argv);
  } catch (e) {
    if (isUserError(e)) return e.problems.map(formatProblem).join('\n');
    throw e;
  }
  assert.fail(`accepted: ${argv.join(' ')}`);
}

describe('command line', () => {
  it('parses a command, its targets and its options', () => {
    const line = parseCommandLine(['run', 'train', '-j', '2', '--set', 'a=1', '--set', 'b=2', '--force']);
    assert.equal(line.kind, 'command');
    if (line.kind !== 'command') return;
    assert.equal(line.command, 'run');
    assert.deepEqual(line.positionals, ['train']);
    assert.equal(line.values.jobs, '2');
    assert.deepEqual(line.values.set, ['a=1', 'b=2']);
    assert.equal(line.values.force, true);
    assert.equal(line.values.quiet, false);
  });

  it('answers --version and --help, and asks for a command', () => {
    assert.deepEqual(parseCommandLine(['--version']), { kind: 'version' });
    assert.deepEqual(parseCommandLine(['-h']), { kind: 'help', exitCode: 0 });
    assert.deepEqual(parseCommandLine([]), { kind: 'help', exitCode: 2 });
  });

  it('names an unknown command instead of reading it as a stage', () => {
    assert.match(mistake(['train']), /^unknown command "train" \(commands: run, status, dag, gc/);
  });

  it('refuses an option the command does not take', () => {
    assert.match(
      mistake(['status', '--force']),
      /^--force: pipeline status does not take this option \(it takes --json, --exit-code, --jobs, --remote, --remote-name, --set, --profile\)$/,
    );
    assert.match(mistake(['dag', '--force']), /^--force: pipeline dag does not take this option/);
  });

  it('refuses a single-valued option given twice', () => {
    assert.match(mistake(['run', '--profile', 'quick', '--profile', 'ci']), /^--profile: given 2 times; give it once$/);
  });

  it('refuses an unknown option', () => {
    assert.match(mistake(['run', '--jbos', '2']), /^--jbos: unknown option/);
  });

  it('documents every option in the usage text', () => {
    for (const flag of ['--quiet', '-j|--jobs', '--exit-code', '--dot', '--keep-days', '--version']) assert.ok(usage().includes(flag), flag);
  });

  it('has a worker command with its own options, and run takes the executor and Redis', () => {
    const line = parseCommandLine(['worker', '--concurrency', '2', '--redis', 'redis://10.0.0.5:6379', '-r', 'origin', '--name', 'lab-3']);
    assert.equal(line.kind, 'command');
    if (line.kind !== 'command') return;
    assert.deepEqual(
      [line.values.concurrency, line.values.redis, line.values['remote-name'], line.values.name],
      ['2', 'redis://10.0.0.5:6379', 'origin', 'lab-3'],
    );
    const run = parseCommandLine(['run', '--executor', 'queue', '--redis', 'redis://h:1']);
    assert.equal(run.kind === 'command' && run.values.executor, 'queue');
    assert.match(mistake(['run', '--concurrency', '2']), /^--concurrency: pipeline run does not take this option/);
    assert.match(
      mistake(['worker', '--force']),
      /^--force: pipeline worker does not take this option \(it takes --concurrency, --redis, --remote-name, --name\)$/,
    );
    for (const flag of ['--executor local|queue', '--redis URL', '--concurrency N', '--name NAME']) assert.ok(usage().includes(flag), flag);
  });
});
