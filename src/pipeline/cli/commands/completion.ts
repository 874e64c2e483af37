/**
 * `pipeline completion bash|zsh`: completion scripts made from the command table, so a command or
 * option added there completes without touching this file. Both shells share one portable
 * function that prints the candidates for the words typed so far; each shell's wrapper only hands
 * it those words and filters by the word being completed.
 */
import { COMMANDS, firstWords, groupOf, OPTIONS } from '../command-table.ts';
import type { CommandArgs, Io } from '../command-kit.ts';
import { UserError } from '../../errors.ts';

const SHELLS = ['bash', 'zsh'] as const;

export async function completionCommand(args: CommandArgs, io: Io): Promise<number> {
  const [shell, ...rest] = args.positionals;
  if (!SHELLS.includes(shell as never) || rest.length > 0)
    throw new UserError(`completion takes one shell: ${SHELLS.join(' or ')} (for example \`source <(pipeline completion bash)\`)`);
  io.out(completionScript(shell as (typeof SHELLS)[number]));
  return 0;
}

function flagsOf(name: string): string {
  const spec = COMMANDS[name]!;
  return [...spec.options.map((o) => `--${o}`), '--help'].join(' ');
}

/** Every spelling of an option that takes a value: the word after it is that value, not a command. */
function valuedFlags(): string[] {
  return Object.entries(OPTIONS).flatMap(([name, o]: [string, { type: string; short?: string }]) =>
    o.type === 'string' ? [`--${name}`, ...(o.short ? [`-${o.short}`] : [])] : [],
  );
}

function candidatesFunction(): string {
  const names = Object.keys(COMMANDS);
  const groups = [...new Set(names.map(groupOf).filter((g): g is string => g !== undefined))];
  const lines = [
    '# Prints the candidates for the word being completed ($1) after the words typed before it (the rest).',
    '_pipeline_candidates() {',
    '  local cur="$1" cmd="" n=0 value_of="" w f',
    '  shift',
    '  for w in "$@"; do',
    '    if [ -n "$value_of" ]; then value_of=""; continue; fi',
    '    case "$w" in',
    `      ${valuedFlags().join('|')}) value_of="$w"; continue ;;`,
    '      -*) continue ;;',
    '    esac',
    '    n=$((n + 1))',
    '    if [ "$n" = 1 ]; then cmd="$w"',
    `    elif [ "$n" = 2 ]; then case "$cmd" in ${groups.join('|')}) cmd="$cmd $w" ;; esac`,
    '    fi',
    '  done',
    '  if [ -n "$value_of" ]; then',
    '    case "$value_of" in',
    '      --profile) for f in configs/profiles/*.yaml; do [ -e "$f" ] && { f="${f##*/}"; echo "${f%.yaml}"; }; done ;;',
    '      --executor) echo "local queue" ;;',
    '    esac',
    '    return',
    '  fi',
    '  case "$cmd" in',
    `    "") echo "${firstWords().join(' ')} --help --version" ;;`,
  ];
  for (const g of groups) {
    const subs = names.filter((c) => groupOf(c) === g).map((c) => c.slice(g.length + 1));
    lines.push(`    ${JSON.stringify(g)}) echo "${subs.join(' ')}" ;;`);
  }
  // Words a command takes besides its options: a command to explain, a shell.
  const words: Record<string, string[]> = { help: firstWords(), completion: [...SHELLS] };
  for (const name of names) {
    const echo = words[name] ? `case "$cur" in -*) echo "${flagsOf(name)}" ;; *) echo "${words[name].join(' ')}" ;; esac` : `echo "${flagsOf(name)}"`;
    lines.push(`    ${JSON.stringify(name)}) ${echo} ;;`);
  }
  lines.push('  esac', '}');
  return lines.join('\n');
}

export function completionScript(shell: 'bash' | 'zsh'): string {
  const head = `# ${shell} completion for pipeline, generated from its command table by \`pipeline completion ${shell}\`.`;
  if (shell === 'bash') {
    return `${head}
# Load it with: source <(pipeline completion bash)
${candidatesFunction()}
_pipeline() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  COMPREPLY=($(compgen -W "$(_pipeline_candidates "$cur" "\${COMP_WORDS[@]:1:COMP_CWORD-1}")" -- "$cur"))
}
complete -o default -F _pipeline pipeline
`;
  }
  return `#compdef pipeline
${head}
# Load it with: source <(pipeline completion zsh), or save it as _pipeline in a folder of $fpath.
${candidatesFunction()}
_pipeline() {
  setopt localoptions nullglob
  local -a candidates
  candidates=(\${=$(_pipeline_candidates "\${words[CURRENT]}" "\${(@)words[2,CURRENT-1]}")})
  if (( \${#candidates} )); then compadd -- $candidates; else _files; fi
}
if [ "$funcstack[1]" = _pipeline ]; then _pipeline "$@"; else compdef _pipeline pipeline; fi
`;
}
