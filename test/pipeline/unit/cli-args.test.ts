/** The command line in-process: commands, options per command, and the mistakes a user makes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandLine, usage } from '../../../src/pipeline/cli-args.ts';
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
    assert.deepEqual(line.targets, ['train']);
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
    assert.match(mistake(['metrics', 'diff']), /^unknown command "metrics" \(commands: run, status, dag, gc/);
  });

  it('refuses an option the command does not take', () => {
    assert.match(mistake(['status', '--force']), /^--force: pipeline status does not take this option \(it takes --json, --exit-code, --jobs, --remote, --remote-name, --set, --profile\)$/);
    assert.match(mistake(['dag', '--force']), /^--force: pipeline dag does not take this option/);
  });

  it('refuses a single-valued option given twice', () => {
    assert.match(mistake(['run', '--profile', 'quick', '--profile', 'ci']), /^--profile: given 2 times; give it once$/);
  });

  it('refuses an unknown option', () => {
    assert.match(mistake(['run', '--jbos', '2']), /Unknown option '--jbos'/);
  });

  it('documents every option in the usage text', () => {
    for (const flag of ['--quiet', '-j|--jobs', '--exit-code', '--dot', '--keep-days', '--version']) assert.ok(usage().includes(flag), flag);
  });
});
