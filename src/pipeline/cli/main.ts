/**
 * `pipeline`: the command line parsed against the command table (command-table.ts) and handed to the
 * command's handler. Exit codes: 0 success, 1 a stage failed (a bug in it), 2 a user error (bad
 * YAML or config, a misspelt command or option, a stage's own UserError such as a failed
 * download), 130 interrupted.
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { COMMANDS, parseCommandLine, type CommandLine } from './command-table.ts';
import { stdio, type Io } from './command-kit.ts';
import { formatProblem, isUserError } from '../errors.ts';

export async function main(argv: string[], cwd = process.cwd(), io: Io = stdio): Promise<number> {
  let line: CommandLine;
  try {
    line = parseCommandLine(argv);
  } catch (e) {
    if (!isUserError(e)) throw e;
    for (const p of e.problems) io.err(`pipeline: ${formatProblem(p)}\n`);
    return 2;
  }
  if (line.kind === 'version') {
    io.out(`${await packageVersion()}\n`);
    return 0;
  }
  if (line.kind === 'help') {
    const { helpText } = await import('./commands/help.ts');
    (line.exitCode === 0 ? io.out : io.err)(`${helpText(line.command)}\n`);
    return line.exitCode;
  }
  const { command, positionals, values } = line;
  try {
    return await COMMANDS[command]!.run({ command, cwd, positionals, values }, io);
  } catch (e) {
    if (!isUserError(e)) throw e;
    // Two stages reading one config key report its problem once each: print it once.
    for (const text of new Set(e.problems.map(formatProblem))) io.err(`${text}\n`);
    return 2;
  }
}

/** The version in the nearest package.json above this module (the bundle or the source). */
async function packageVersion(): Promise<string> {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.version) return `${pkg.name ?? 'pipeline'} ${pkg.version}`;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}
