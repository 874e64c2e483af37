/**
 * Help, suggestions, completion and docs/cli.md, all made from the command table, through the
 * CLI's entry point in-process (every command's help, so a new table entry is covered unasked).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { COMMANDS, OPTIONS } from '../../../src/pipeline/cli/command-table.ts';
import { main } from '../../../src/pipeline/cli/main.ts';
import { completionScript } from '../../../src/pipeline/cli/commands/completion.ts';
import { DOC_FILE, withReference } from '../../../src/pipeline/cli/commands/docs.ts';
import { REPO } from '../../helpers/project.ts';

const run = promisify(execFile);

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, REPO, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('help from the command table', () => {
  it('every command has its own help (usage, options, an example) through --help and through help CMD', async () => {
    for (const [name, spec] of Object.entries(COMMANDS)) {
      const words = name.split(' ');
      const viaFlag = await cli(...words, '--help');
      assert.equal(viaFlag.code, 0, `${name} --help: ${viaFlag.err}`);
      assert.equal((await cli('help', ...words)).out, viaFlag.out, name);
      const text = viaFlag.out;
      assert.ok(text.startsWith(`usage: pipeline ${name}`), text);
      for (const o of spec.options) assert.match(text, new RegExp(`^  (-\\w, )?--${o}\\b`, 'm'), `${name}: --${o}`);
      assert.match(text, /\nexamples:\n {2}\S/, name);
      assert.ok(spec.examples.length > 0 && spec.examples.every((e) => e.includes(`pipeline ${words[0]}`)), `${name}: ${spec.examples.join('; ')}`);
    }
    // A group prints each of its commands; the global help lists every command.
    assert.match((await cli('remote', '--help')).out, /usage: pipeline remote add[^]*usage: pipeline remote list[^]*usage: pipeline remote remove/);
    const global = await cli('--help');
    assert.equal(global.code, 0);
    for (const name of Object.keys(COMMANDS)) assert.match(global.out, new RegExp(`^  ${name}  `, 'm'), name);
    assert.equal((await cli('help')).out, global.out);
  });

  it('every option is documented, and the options each command takes exist', () => {
    const used = new Set(Object.values(COMMANDS).flatMap((c) => c.options));
    for (const name of Object.keys(OPTIONS)) assert.ok(used.has(name as never), `--${name} is declared but no command takes it`);
  });

  it('suggests the command or option a near miss meant, in one line with exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [['stauts'], 'pipeline: unknown command "stauts" (did you mean "status"? see pipeline --help)\n'],
      [['exp', 'shwo'], 'pipeline: unknown exp command "shwo": use show (did you mean "exp show"?)\n'],
      [['metrics', 'dif'], 'pipeline: unknown metrics command "dif": use diff (did you mean "metrics diff"?)\n'],
      [['status', '--jsno'], 'pipeline: --jsno: unknown option (did you mean --json?); see pipeline help status\n'],
      [['run', '--profle', 'quick'], 'pipeline: --profle: unknown option (did you mean --profile?); see pipeline help run\n'],
      [['help', 'verfy'], 'pipeline: no command "verfy" (did you mean "verify"?); see pipeline --help\n'],
    ];
    for (const [argv, line] of cases) {
      const r = await cli(...argv);
      assert.deepEqual([r.code, r.err, r.out], [2, line, ''], argv.join(' '));
    }
  });

  it('docs/cli.md holds exactly the help the CLI prints (npm run docs:cli regenerates it)', async () => {
    const doc = await readFile(path.join(REPO, DOC_FILE), 'utf8');
    assert.equal(withReference(doc), doc, `${DOC_FILE} is stale: run npm run docs:cli`);
    for (const name of Object.keys(COMMANDS)) assert.ok(doc.includes(`\`\`\`text\n${(await cli('help', ...name.split(' '))).out}\`\`\``), name);
  });
});

describe('shell completion from the command table', () => {
  /** What bash completes after `pipeline WORDS...` (the last word is the one being completed). */
  async function bashComplete(script: string, words: string[]): Promise<string[]> {
    const line = ['pipeline', ...words].map((w) => `'${w}'`).join(' ');
    const { stdout } = await run(
      'bash',
      ['-c', `source "$0"; COMP_WORDS=(${line}); COMP_CWORD=${words.length}; _pipeline; printf '%s\\n' "\${COMPREPLY[@]}"`, script],
      {
        cwd: REPO,
      },
    );
    return stdout.split('\n').filter(Boolean).sort();
  }

  it("bash completes commands, sub-commands, each command's options and --profile values", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'completion-'));
    try {
      const script = path.join(dir, 'pipeline.bash');
      await writeFile(script, completionScript('bash'));
      assert.deepEqual(await bashComplete(script, ['st']), ['status']);
      assert.deepEqual(await bashComplete(script, ['exp', '']), ['show']);
      assert.deepEqual(await bashComplete(script, ['remote', 're']), ['remove']);
      assert.deepEqual(await bashComplete(script, ['metrics', 'diff', '--a']), ['--all']);
      assert.deepEqual(await bashComplete(script, ['--profile', 'quick', 'status', '--ex']), ['--exit-code']);
      assert.ok((await bashComplete(script, ['run', '--profile', 'q'])).includes('quick'));
      assert.deepEqual(await bashComplete(script, ['run', '--profile', 'c']), ['ci']);
      assert.deepEqual(await bashComplete(script, ['completion', '']), ['bash', 'zsh']);
      // Every command's options complete, straight from the table.
      for (const [name, spec] of Object.entries(COMMANDS)) {
        const offered = await bashComplete(script, [...name.split(' '), '--']);
        assert.deepEqual(offered, [...spec.options.map((o) => `--${o}`), '--help'].sort(), name);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('pipeline completion bash|zsh prints the scripts; zsh loads its script and completes from the table', async () => {
    const bash = await cli('completion', 'bash');
    assert.equal(bash.code, 0);
    assert.equal(bash.out, completionScript('bash'));
    const zsh = await cli('completion', 'zsh');
    assert.match(zsh.out, /^#compdef pipeline\n/);
    const wrong = await cli('completion', 'fish');
    assert.equal(wrong.code, 2);
    const hasZsh = await run('zsh', ['--version']).then(
      () => true,
      () => false,
    );
    if (!hasZsh) return;
    // zsh loads it as compinit would, and its candidates are the table's.
    const zshCandidates = async (...words: string[]) =>
      (
        await run('zsh', ['-c', `autoload -Uz compinit && compinit -u -D; eval "$PIPELINE_ZSH"; _pipeline_candidates "$@"`, 'zsh', ...words], {
          cwd: REPO,
          env: { ...process.env, PIPELINE_ZSH: zsh.out },
        })
      ).stdout
        .split(/\s+/)
        .filter(Boolean)
        .sort();
    assert.deepEqual(await zshCandidates('', 'exp'), ['show']);
    assert.deepEqual(await zshCandidates('--', 'metrics', 'diff'), ['--all', '--csv', '--help', '--json', '--md', '--profile']);
    assert.ok((await zshCandidates('', 'run', '--profile')).includes('quick'));
  });
});
