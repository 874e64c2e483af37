/**
 * The command table: every command and option of `pipeline`, declared once. The parser below,
 * the help (`pipeline help CMD`), the shell completion and docs/cli.md are all made from it.
 * A misspelt command or option, an option the command does not take, or a single-valued option
 * given twice is a user error here, before anything is read or run.
 *
 * Adding a command: one entry in COMMANDS (its options from OPTIONS, a summary, an example) and a
 * handler module exporting `(args, io) => Promise<number>`; then `npm run docs:cli`.
 */
import { parseArgs } from 'node:util';
import type { Handler } from './command-kit.ts';
import { closest } from './commands/did-you-mean.ts';
import { UserError, type Problem } from '../errors.ts';
import { EXECUTOR_FLAGS, EXECUTOR_NAMES, EXECUTORS, orList } from '../executors/registry.ts';

export interface OptionSpec {
  type: 'boolean' | 'string';
  short?: string;
  multiple?: true;
  /** The placeholder in usage lines: `--jobs N`. */
  value?: string;
  help: string;
  /** A boolean left undefined unless given (a directory remote must not receive an S3 setting). */
  unsetUnlessGiven?: true;
}

export const OPTIONS = {
  force: { type: 'boolean', help: 're-run the selection even if fresh' },
  'dry-run': { type: 'boolean', help: 'say what would be done, and do nothing' },
  jobs: { type: 'string', short: 'j', value: 'N', help: 'N instances at once (default: the number of cores)' },
  set: { type: 'string', multiple: true, value: 'key=value', help: 'key.path=value: override one config value for this command' },
  profile: { type: 'string', value: 'NAME', help: 'configs/profiles/NAME.yaml over the configs, in the workspace profiles/NAME/' },
  quiet: { type: 'boolean', help: 'print only the final summary and errors' },
  json: { type: 'boolean', help: 'machine-readable output' },
  csv: { type: 'boolean', help: 'CSV for a spreadsheet' },
  md: { type: 'boolean', help: 'a Markdown table' },
  'exit-code': { type: 'boolean', help: 'exit 1 when anything is stale (for scripts and CI)' },
  dot: { type: 'boolean', help: 'the graph in Graphviz dot' },
  'keep-days': { type: 'string', value: 'N', help: 'keep run records used within N days (default 30)' },
  'remote-name': { type: 'string', short: 'r', value: 'NAME', help: 'the remote to use (default: $PIPELINE_REMOTE, else the default remote)' },
  remote: { type: 'boolean', help: 'of the remote instead of the local run-cache' },
  'no-remote': { type: 'boolean', help: 'run without restoring from the remote run-cache' },
  verify: { type: 'boolean', help: 're-check remote objects and replace bad ones' },
  project: { type: 'boolean', help: 'in pipeline.yaml (default: .pipeline/config.yaml, this machine only)' },
  default: { type: 'boolean', short: 'd', help: 'make it the default remote' },
  endpoint: { type: 'string', value: 'URL', help: 'URL of an S3-compatible server' },
  'path-style': { type: 'boolean', unsetUnlessGiven: true, help: 'path-style S3 addressing' },
  region: { type: 'string', value: 'R', help: 'the S3 region' },
  create: { type: 'boolean', help: 'a directory remote: make the directory when it does not exist (else that is refused)' },
  executor: {
    type: 'string',
    value: EXECUTOR_NAMES.join('|'),
    help: `run stale instances ${orList(EXECUTORS.map((e) => e.where))} (also \`executor:\` in .pipeline/config.yaml)`,
  },
  // Each executor's own options (the queue's --redis), declared with it.
  ...EXECUTOR_FLAGS,
  concurrency: { type: 'string', value: 'N', help: 'N jobs at once, each with its share of the cores (default 1)' },
  name: { type: 'string', value: 'NAME', help: 'the name coordinators show (default: host-pid)' },
  all: { type: 'boolean', help: 'also unchanged values' },
  sort: { type: 'string', value: 'COLUMN[:desc]', help: 'order the rows by a column, ascending (or :desc, best first)' },
  where: { type: 'string', multiple: true, value: 'COLUMN<OP>VALUE', help: 'keep rows that meet it; OP is one of = != < <= > >= ~ (contains)' },
  out: { type: 'string', value: 'FILE', help: 'where to write the page (default plots-diff.html)' },
  experiment: { type: 'string', multiple: true, value: 'ID', help: 'draw only this experiment (repeatable)' },
  sample: { type: 'string', value: 'N', help: 'verify N instances chosen at random (from the seed) instead of all' },
  seed: { type: 'string', value: 'S', help: 'the seed of --sample (default 0)' },
  port: { type: 'string', value: 'N', help: 'the port to serve on (default 8520; 0: a free one)' },
  host: { type: 'string', value: 'ADDR', help: 'the address to serve on (default 127.0.0.1, loopback)' },
  expose: { type: 'boolean', help: 'allow a --host that is not loopback (anyone who reaches it reads the results)' },
  open: { type: 'boolean', help: "open the page in the desktop's browser" },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

type ValueOf<O> = O extends { multiple: true }
  ? string[]
  : O extends { type: 'string' }
    ? string | undefined
    : O extends { unsetUnlessGiven: true }
      ? boolean | undefined
      : boolean;

/** The parsed options: every option of the table, at its default when not given. */
export type OptionValues = { -readonly [K in OptionName]: ValueOf<(typeof OPTIONS)[K]> };

export interface CommandSpec {
  /** Positional arguments in the usage line: "[stage...]". */
  args: string;
  /** One line, for the command list. */
  summary: string;
  /** A paragraph for the command's own help: what it reads, what it compares, what it writes. */
  details?: string;
  options: OptionName[];
  /** What an option means for this command, where the table's general sentence says too little. */
  optionHelp?: Partial<Record<OptionName, string>>;
  /** At least one command line a user can copy. */
  examples: string[];
  run: Handler;
}

const CONFIG_OPTIONS: OptionName[] = ['set', 'profile'];
const FORMATS: OptionName[] = ['json', 'csv', 'md'];
const TRANSFER_JOBS = { jobs: 'N transfers at once (default 8)' };
const REVISIONS = 'A and B are git revisions or "workspace"; A defaults to HEAD and B to the workspace.';
const PROFILE_READ =
  "With --profile NAME (or run inside profiles/NAME/), the workspace side is that profile's workspace, and git revisions are read from the project (profile locks are not in git).";
const PROFILE_TRANSFER =
  "With --profile NAME, what that profile's own lock records (profiles/NAME/pipeline.lock). It is not in git: in a clone that never ran the profile, `pipeline run --profile NAME` restores each instance the remote run-cache holds.";

/** The table. Its order is the order of the help and of docs/cli.md. */
export const COMMANDS: Record<string, CommandSpec> = {
  run: {
    args: '[stage...]',
    summary: 'run the stale instances of the named stages (all by default)',
    details:
      'A stage name selects all its instances (train) or one (train@<id>), plus what they depend on. Fresh instances are skipped, those the run-cache (or a remote) holds are restored, the rest run.',
    options: ['force', 'dry-run', 'jobs', 'quiet', 'remote-name', 'no-remote', 'executor', ...(Object.keys(EXECUTOR_FLAGS) as OptionName[]), ...CONFIG_OPTIONS],
    optionHelp: { 'dry-run': 'say what would run and why, and do nothing' },
    examples: ['pipeline run --profile quick', 'pipeline run train@pool2-2-0_drop0.3_bn --force'],
    run: async (a, io) => (await import('./commands/run.ts')).runCommand(a, io),
  },
  status: {
    args: '[stage...]',
    summary: 'say what is stale and why, and what restores from the run-cache',
    details: 'Compares the configs and code of the workspace with its pipeline.lock (or, with --remote, the lock with what the remote holds).',
    options: ['json', 'exit-code', 'jobs', 'remote', 'remote-name', ...CONFIG_OPTIONS],
    optionHelp: { jobs: 'estimate the wall time for N instances at once (default: the number of cores)', remote: 'what the remote holds of the lock' },
    examples: ['pipeline status --profile quick', 'pipeline status --remote'],
    run: async (a, io) => (await import('./commands/status.ts')).statusCommand(a, io),
  },
  dag: {
    args: '',
    summary: 'print the stage graph',
    options: ['dot', ...CONFIG_OPTIONS],
    examples: ['pipeline dag', 'pipeline dag --dot | dot -Tsvg > dag.svg'],
    run: async (a, io) => (await import('./commands/dag.ts')).dagCommand(a, io),
  },
  gc: {
    args: '',
    summary: 'empty the run-cache of what no lock records and no run used lately',
    details:
      'Locally, what the lock of the project or of any profile records is kept. With --remote, --keep-days is required: other clones may need what this lock does not.',
    options: ['keep-days', 'dry-run', 'remote', 'remote-name'],
    optionHelp: { 'dry-run': 'say what would be removed, and remove nothing', remote: 'the remote store instead of the local run-cache' },
    examples: ['pipeline gc --keep-days 7 --dry-run', 'pipeline gc --remote --keep-days 90'],
    run: async (a, io) => (await import('./commands/gc.ts')).gcCommand(a, io),
  },
  push: {
    args: '[stage...]',
    summary: 'send what pipeline.lock records to a remote',
    details: `What this clone has: the instances whose outputs it never made or fetched (a fresh clone) are skipped, in one line. ${PROFILE_TRANSFER}`,
    options: ['remote-name', 'jobs', 'verify', 'quiet', ...CONFIG_OPTIONS],
    optionHelp: TRANSFER_JOBS,
    examples: ['pipeline push', 'pipeline push -r lab --profile quick'],
    run: async (a, io) => (await import('./commands/transfer.ts')).transferVerb(a, io),
  },
  fetch: {
    args: '[stage...]',
    summary: 'bring what pipeline.lock records from a remote into the local run-cache',
    details: PROFILE_TRANSFER,
    options: ['remote-name', 'jobs', 'quiet', ...CONFIG_OPTIONS],
    optionHelp: TRANSFER_JOBS,
    examples: ['pipeline fetch train'],
    run: async (a, io) => (await import('./commands/transfer.ts')).transferVerb(a, io),
  },
  pull: {
    args: '[stage...]',
    summary: 'fetch, then place the recorded outputs in the workspace (each verified)',
    details: PROFILE_TRANSFER,
    options: ['remote-name', 'jobs', 'quiet', ...CONFIG_OPTIONS],
    optionHelp: TRANSFER_JOBS,
    examples: ['pipeline pull'],
    run: async (a, io) => (await import('./commands/transfer.ts')).transferVerb(a, io),
  },
  'remote add': {
    args: 'NAME URL',
    summary: 'add a remote (a directory, or s3://bucket/prefix)',
    details:
      'A directory remote must exist (a drive not mounted is refused, not pushed into an empty folder), unless --create makes it. Relative paths are relative to the project root.',
    options: ['default', 'project', 'create', 'endpoint', 'path-style', 'region'],
    examples: [
      'pipeline remote add -d lab /mnt/shared/pipeline-cache',
      'pipeline remote add -d usb ../usb-remote --create',
      'pipeline remote add -d s3 s3://bucket/runs --endpoint http://127.0.0.1:9000 --path-style',
    ],
    run: async (a, io) => (await import('./commands/remote.ts')).remoteConfigCommand(a, io),
  },
  'remote list': {
    args: '',
    summary: 'list the remotes of pipeline.yaml and .pipeline/config.yaml',
    options: [],
    examples: ['pipeline remote list'],
    run: async (a, io) => (await import('./commands/remote.ts')).remoteConfigCommand(a, io),
  },
  'remote remove': {
    args: 'NAME',
    summary: 'remove a remote',
    options: ['project'],
    examples: ['pipeline remote remove lab'],
    run: async (a, io) => (await import('./commands/remote.ts')).remoteConfigCommand(a, io),
  },
  logs: {
    args: 'INSTANCE',
    summary: "print the log of an instance's latest run (.pipeline/logs/INSTANCE.log; the two before are INSTANCE.1.log, INSTANCE.2.log)",
    options: ['profile'],
    examples: ['pipeline logs train@vgg-bn'],
    run: async (a, io) => (await import('../reporters/instance-logs.ts')).logsCommand(a, io),
  },
  worker: {
    args: '',
    summary: 'run queue jobs from coordinators (`run --executor queue`) in this checkout until stopped',
    options: ['concurrency', 'redis', 'remote-name', 'name'],
    examples: ['pipeline worker --redis redis://10.0.0.5:6379 --concurrency 2'],
    run: async (a, io) => (await import('./commands/worker.ts')).workerCommand(a, io),
  },
  'exp show': {
    args: '[REV...]',
    summary: 'the experiments of each revision: metrics, then the params that differ',
    details: `Each REV is a git revision or "workspace" (the default). Params are what pipeline.lock recorded for each experiment (pipeline.yaml's experiments: section says which stage and which columns). Metrics come first; params the rows all share and hidden columns (per-class) show with --all. The text table fits the terminal's width (or $COLUMNS). ${PROFILE_READ}`,
    options: ['all', 'sort', 'where', ...FORMATS, 'profile'],
    optionHelp: { all: 'also params every row shares, and hidden columns (per-class accuracy)' },
    examples: ['pipeline exp show', 'pipeline exp show HEAD~1 HEAD --sort test_accuracy:desc --where "epochs>=10"'],
    run: async (a, io) => (await import('../experiments/command.ts')).expShow(a, io),
  },
  'metrics diff': {
    args: '[A] [B]',
    summary: 'what the metrics of each experiment changed from A to B',
    details: `${REVISIONS} ${PROFILE_READ}`,
    options: ['all', ...FORMATS, 'profile'],
    optionHelp: { all: 'also unchanged values and hidden columns (per-class accuracy)' },
    examples: ['pipeline metrics diff', 'pipeline metrics diff HEAD~1 HEAD --md'],
    run: async (a, io) => (await import('../experiments/command.ts')).metricsDiff(a, io),
  },
  'params diff': {
    args: '[A] [B]',
    summary: 'what the recorded params of each stage changed from A to B, and configs not yet run',
    details: `${REVISIONS} Params are what each pipeline.lock recorded; when B is the workspace, the configs that differ from its lock (edited or added, not yet run) are listed too. ${PROFILE_READ}`,
    options: ['all', ...FORMATS, ...CONFIG_OPTIONS],
    examples: ['pipeline params diff', 'pipeline params diff HEAD~3 HEAD --json'],
    run: async (a, io) => (await import('../experiments/command.ts')).paramsDiff(a, io),
  },
  'plots diff': {
    args: '[A] [B]',
    summary: "draw pipeline.yaml's declared figures of A and B as one HTML page",
    details: `${REVISIONS} Each line is labelled with its experiment and revision; the page says when A and B are identical. ${PROFILE_READ}`,
    options: ['out', 'experiment', 'profile'],
    examples: ['pipeline plots diff HEAD~1 HEAD --out plots.html'],
    run: async (a, io) => (await import('../experiments/command.ts')).plotsDiff(a, io),
  },
  verify: {
    args: '[stage...]',
    summary: 're-run recorded instances in a temp directory and compare their outputs with pipeline.lock',
    details:
      'Never touches the workspace, the lock or the run-cache. Exit 0 when all match, 1 on a mismatch or a failed re-run, 2 when an instance is stale (its record cannot be verified).',
    options: ['sample', 'seed', 'json', ...CONFIG_OPTIONS],
    examples: ['pipeline verify train@pool2-2-0_drop0.3_bn', 'pipeline verify --sample 2 --seed 7'],
    run: async (a, io) => (await import('../verify/command.ts')).verifyCommand(a, io),
  },
  ui: {
    args: '',
    summary: 'serve a live dashboard: experiments, curves, compare, grid, the pipeline with its states, the report',
    details:
      'Serves http://127.0.0.1:8520/ until Ctrl-C and follows a run going on in another terminal (its event log in .pipeline/runs/). A --host that is not loopback needs --expose. See docs/ui.md.',
    options: ['port', 'host', 'expose', 'open', 'profile'],
    examples: ['pipeline ui --open', 'pipeline ui --profile quick --port 0'],
    run: async (a, io) => (await import('../../ui/command.ts')).uiCommand(a, io),
  },
  help: {
    args: '[COMMAND]',
    summary: "a command's usage, options and examples (all commands without one)",
    options: [],
    examples: ['pipeline help exp show'],
    run: async (a, io) => (await import('./commands/help.ts')).helpCommand(a, io),
  },
  completion: {
    args: 'bash|zsh',
    summary: 'print a shell completion script',
    details: 'Commands, sub-commands, options and profile names complete from the command table and configs/profiles/; other arguments complete as file names.',
    options: [],
    examples: ['source <(pipeline completion bash)', 'pipeline completion zsh > "${fpath[1]}/_pipeline"'],
    run: async (a, io) => (await import('./commands/completion.ts')).completionCommand(a, io),
  },
};

export type CommandLine =
  { kind: 'help'; command?: string; exitCode: 0 | 2 } | { kind: 'version' } | { kind: 'command'; command: string; positionals: string[]; values: OptionValues };

/** "exp" for "exp show": the words that only group commands. */
export function groupOf(name: string): string | undefined {
  return name.includes(' ') ? name.slice(0, name.indexOf(' ')) : undefined;
}

/** The first words of every command ("run", "exp", "remote", ...), in table order. */
export function firstWords(): string[] {
  return [...new Set(Object.keys(COMMANDS).map((c) => c.split(' ')[0]!))];
}

const TABLE_OPTIONS = {
  ...Object.fromEntries(
    Object.entries(OPTIONS).map(([k, o]: [string, OptionSpec]) => [
      k,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
    ]),
  ),
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

export function parseCommandLine(argv: string[]): CommandLine {
  // Not strict: an unknown option is reported below with a suggestion, in the table's words.
  const parsed = parseArgs({ args: argv, allowPositionals: true, strict: false, tokens: true, options: TABLE_OPTIONS as never });
  const v = parsed.values as Record<string, unknown>;
  if (v.version === true) return { kind: 'version' };
  const words = parsed.positionals;
  const help = v.help === true;
  if (words.length === 0) return { kind: 'help', exitCode: help ? 0 : 2 };
  const command = commandOf(words, help);
  if (command === undefined) return { kind: 'help', command: words[0], exitCode: 0 }; // `pipeline remote --help`
  if (help) return { kind: 'help', command, exitCode: 0 };
  const spec = COMMANDS[command]!;
  const problems = optionProblems(command, spec, parsed.tokens);
  if (problems.length > 0) throw new UserError(problems);
  const values = Object.fromEntries(
    Object.entries(OPTIONS).map(([name, o]: [string, OptionSpec]) => [
      name,
      o.multiple ? ((v[name] as string[] | undefined) ?? []) : o.type === 'string' || o.unsetUnlessGiven ? v[name] : v[name] === true,
    ]),
  ) as OptionValues;
  return { kind: 'command', command, positionals: words.slice(command.split(' ').length), values };
}

/** The table's name for the first words, or a user error naming the nearest command. */
function commandOf(words: string[], help: boolean): string | undefined {
  const [first, second] = words as [string, string | undefined];
  if (second !== undefined && COMMANDS[`${first} ${second}`]) return `${first} ${second}`;
  if (COMMANDS[first]) return first;
  const subs = Object.keys(COMMANDS)
    .filter((c) => groupOf(c) === first)
    .map((c) => c.slice(first.length + 1));
  if (subs.length > 0) {
    if (second === undefined && help) return undefined;
    const near = second === undefined ? undefined : closest(second, subs);
    const hint = near ? ` (did you mean "${first} ${near}"?)` : '';
    const choices = subs.length > 1 ? `${subs.slice(0, -1).join(', ')} or ${subs.at(-1)}` : subs[0];
    throw new UserError(`unknown ${first} command "${second ?? ''}": use ${choices}${hint}`);
  }
  const near = closest(first, firstWords());
  throw new UserError(
    near
      ? `unknown command "${first}" (did you mean "${near}"? see pipeline --help)`
      : `unknown command "${first}" (commands: ${firstWords().join(', ')}; see pipeline --help)`,
  );
}

type Token = ReturnType<typeof parseArgs>['tokens'] extends (infer T)[] | undefined ? T : never;

function optionProblems(command: string, spec: CommandSpec, tokens: Token[] | undefined): Problem[] {
  const problems: Problem[] = [];
  const counts = new Map<string, number>();
  for (const t of tokens ?? []) {
    if (t.kind !== 'option' || t.name === 'help' || t.name === 'version') continue;
    const option = (OPTIONS as Record<string, OptionSpec>)[t.name];
    const field = t.rawName.startsWith('--') ? t.rawName : `-${t.name}`;
    if (!option) {
      const near = closest(t.name, spec.options) ?? closest(t.name, Object.keys(OPTIONS));
      problems.push({ field, message: `unknown option${near ? ` (did you mean --${near}?)` : ''}; see pipeline help ${command}` });
      continue;
    }
    if (option.type === 'string' && t.value === undefined)
      problems.push({ field: `--${t.name}`, message: `needs a value: --${t.name} ${option.value ?? 'VALUE'}` });
    if (option.type === 'boolean' && t.value !== undefined) problems.push({ field: `--${t.name}`, message: 'takes no value' });
    counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  }
  for (const [name, n] of counts) {
    if (!spec.options.includes(name as OptionName)) {
      problems.push({
        field: `--${name}`,
        message: `pipeline ${command} does not take this option (it takes ${spec.options.map((o) => `--${o}`).join(', ') || 'none'})`,
      });
    } else if (n > 1 && !(OPTIONS[name as OptionName] as OptionSpec).multiple) {
      problems.push({ field: `--${name}`, message: `given ${n} times; give it once` });
    }
  }
  return problems;
}
