/**
 * Help made from the command table: the global help (every command) and each command's own help
 * (usage, what it does, its options, examples). docs/cli.md holds exactly these texts (docs.ts).
 */
import { COMMANDS, firstWords, groupOf, OPTIONS, type CommandSpec, type OptionName } from '../command-table.ts';
import { exitCodeOf, type CommandArgs, type Io } from '../command-kit.ts';
import { UserError } from '../../errors.ts';
import { closest } from './did-you-mean.ts';

const WIDTH = 100;

function flag(name: OptionName): string {
  const option: { short?: string; type: string; value?: string; multiple?: true } = OPTIONS[name];
  const short = option.short ? `-${option.short}|` : '';
  const value = option.type === 'string' ? ` ${option.value ?? 'VALUE'}` : '';
  return `[${short}--${name}${value}]${option.multiple ? '...' : ''}`;
}

export function synopsis(name: string): string {
  const spec = COMMANDS[name]!;
  return ['pipeline', name, spec.args, ...spec.options.map(flag)].filter(Boolean).join(' ');
}

/** Every command with its summary, then every synopsis: what `pipeline --help` prints. */
export function usage(): string {
  const names = Object.keys(COMMANDS);
  const pad = Math.max(...names.map((n) => n.length));
  const lines = ['usage: pipeline COMMAND [ARGS] [OPTIONS]', '', 'commands:'];
  for (const name of names) lines.push(`  ${name.padEnd(pad)}  ${COMMANDS[name]!.summary}`);
  lines.push('', 'synopsis:');
  for (const name of names) lines.push(`  ${synopsis(name)}`);
  lines.push('  pipeline --version', '');
  lines.push('`pipeline help COMMAND` (or `pipeline COMMAND --help`) prints the options and examples of one command.');
  return lines.join('\n');
}

/** One command's help. */
export function commandHelp(name: string): string {
  const spec: CommandSpec = COMMANDS[name]!;
  const lines = [`usage: ${synopsis(name)}`, '', spec.summary];
  if (spec.details) lines.push('', ...wrap(spec.details, WIDTH));
  const rows: Array<[string, string]> = spec.options.map((o) => {
    const option: { short?: string; type: string; value?: string } = OPTIONS[o];
    const left = `${option.short ? `-${option.short}, ` : ''}--${o}${option.type === 'string' ? ` ${option.value ?? 'VALUE'}` : ''}`;
    return [left, spec.optionHelp?.[o] ?? OPTIONS[o].help];
  });
  rows.push(['-h, --help', 'this help']);
  const pad = Math.max(...rows.map(([l]) => l.length));
  lines.push('', 'options:');
  for (const [left, help] of rows) {
    const [first, ...rest] = wrap(help, WIDTH - pad - 4);
    lines.push(`  ${left.padEnd(pad)}  ${first}`, ...rest.map((r) => `  ${''.padEnd(pad)}  ${r}`));
  }
  lines.push('', 'examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

/** The help for `pipeline help WORDS` / `pipeline WORDS --help`; a group ("remote") gets each of its commands. */
export function helpText(words?: string): string {
  if (words === undefined || words === '') return usage();
  if (COMMANDS[words]) return commandHelp(words);
  const group = Object.keys(COMMANDS).filter((c) => groupOf(c) === words);
  if (group.length > 0) return group.map(commandHelp).join('\n\n');
  const near = closest(words, [...Object.keys(COMMANDS), ...firstWords()]);
  throw new UserError(`no command "${words}"${near ? ` (did you mean "${near}"?)` : ''}; see pipeline --help`);
}

export function helpCommand(args: CommandArgs, io: Io): Promise<number> {
  return exitCodeOf(async () => {
    io.out(`${helpText(args.positionals.join(' '))}\n`);
    return 0;
  }, io.err);
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
