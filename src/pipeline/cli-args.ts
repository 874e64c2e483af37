/**
 * The command line: which commands exist, which options each takes, and the usage text made from
 * that one table. A misspelt command, an option the command does not take, or a single-valued
 * option given twice is a user error here, before anything is read or run.
 */
import { parseArgs } from 'node:util';
import { UserError } from './errors.ts';

const OPTIONS = {
  force: { type: 'boolean', help: 're-run the selection even if fresh' },
  'dry-run': { type: 'boolean', help: 'say what would run (run) or would be removed (gc), and do nothing' },
  jobs: { type: 'string', short: 'j', help: 'N instances at once (default: the number of cores); status estimates for N' },
  set: { type: 'string', multiple: true, help: 'key.path=value: override one config value for this command' },
  profile: { type: 'string', help: 'NAME: configs/profiles/NAME.yaml over the configs, in profiles/NAME/' },
  quiet: { type: 'boolean', help: 'print only the final summary and errors' },
  json: { type: 'boolean', help: 'machine-readable output' },
  'exit-code': { type: 'boolean', help: 'exit 1 when anything is stale (for scripts and CI)' },
  dot: { type: 'boolean', help: 'the graph in Graphviz dot' },
  'keep-days': { type: 'string', help: 'N: keep run records used within N days (default 30)' },
  'remote-name': { type: 'string', short: 'r', help: 'NAME: the remote to use (default: the default remote)' },
  remote: { type: 'boolean', help: 'status and gc of the remote instead of the local run-cache' },
  'no-remote': { type: 'boolean', help: 'run without restoring from the remote run-cache' },
  verify: { type: 'boolean', help: 'push: re-check remote objects and replace bad ones' },
  project: { type: 'boolean', help: 'remote add/remove: in pipeline.yaml (default: .pipeline/config.yaml, this machine)' },
  default: { type: 'boolean', short: 'd', help: 'remote add: make it the default remote' },
  endpoint: { type: 'string', help: 'remote add: URL of an S3-compatible server' },
  'path-style': { type: 'boolean', help: 'remote add: path-style S3 addressing' },
  region: { type: 'string', help: 'remote add: the S3 region' },
  executor: {
    type: 'string',
    help: 'local|queue|slurm: run stale instances here (default), on queue workers or as SLURM jobs (also `executor:` in .pipeline/config.yaml)',
  },
  redis: { type: 'string', help: 'URL: the Redis server of the queue, redis://host:port (default: queue.redis in .pipeline/config.yaml)' },
  concurrency: { type: 'string', help: 'worker: N jobs at once, each with its share of the cores (default 1)' },
  name: { type: 'string', help: 'worker: NAME shown to coordinators (default: host-pid)' },
} as const;

type OptionName = keyof typeof OPTIONS;

interface CommandSpec {
  args: string;
  summary: string;
  options: OptionName[];
}

const CONFIG_OPTIONS: OptionName[] = ['set', 'profile'];

export const COMMANDS: Record<string, CommandSpec> = {
  run: {
    args: '[stage...]',
    summary: 'run the stale instances of the named stages (all by default)',
    options: ['force', 'dry-run', 'jobs', 'quiet', 'remote-name', 'no-remote', 'executor', 'redis', ...CONFIG_OPTIONS],
  },
  status: {
    args: '[stage...]',
    summary: 'say what is stale and why, and what restores from the run-cache',
    options: ['json', 'exit-code', 'jobs', 'remote', 'remote-name', ...CONFIG_OPTIONS],
  },
  dag: { args: '', summary: 'print the stage graph', options: ['dot', ...CONFIG_OPTIONS] },
  gc: { args: '', summary: 'empty the run-cache of what no lock records and no run used lately', options: ['keep-days', 'dry-run', 'remote', 'remote-name'] },
  push: { args: '[stage...]', summary: 'send what pipeline.lock records to a remote', options: ['remote-name', 'jobs', 'verify', 'quiet', ...CONFIG_OPTIONS] },
  fetch: {
    args: '[stage...]',
    summary: 'bring what pipeline.lock records from a remote into the local run-cache',
    options: ['remote-name', 'jobs', 'quiet', ...CONFIG_OPTIONS],
  },
  pull: {
    args: '[stage...]',
    summary: 'fetch, then place the recorded outputs in the workspace (each verified)',
    options: ['remote-name', 'jobs', 'quiet', ...CONFIG_OPTIONS],
  },
  remote: { args: 'add NAME URL | list | remove NAME', summary: 'manage remotes', options: ['project', 'default', 'endpoint', 'path-style', 'region'] },
  worker: {
    args: '',
    summary: 'run queue jobs from coordinators (`run --executor queue`) in this checkout until stopped',
    options: ['concurrency', 'redis', 'remote-name', 'name'],
  },
};

export interface OptionValues {
  force: boolean;
  'dry-run': boolean;
  jobs?: string;
  set: string[];
  profile?: string;
  quiet: boolean;
  json: boolean;
  'exit-code': boolean;
  dot: boolean;
  'keep-days'?: string;
  'remote-name'?: string;
  remote: boolean;
  'no-remote': boolean;
  verify: boolean;
  project: boolean;
  default: boolean;
  endpoint?: string;
  /** Unset unless given: a directory remote must not receive an S3 setting. */
  'path-style'?: boolean;
  region?: string;
  executor?: string;
  redis?: string;
  concurrency?: string;
  name?: string;
}

export type CommandLine =
  { kind: 'help'; exitCode: 0 | 2 } | { kind: 'version' } | { kind: 'command'; command: string; targets: string[]; values: OptionValues };

const VALUE_NAMES: Partial<Record<OptionName, string>> = {
  set: 'key=value',
  profile: 'NAME',
  'remote-name': 'NAME',
  endpoint: 'URL',
  region: 'R',
  executor: 'local|queue|slurm',
  redis: 'URL',
  name: 'NAME',
};

/** Commands answered by their own modules (experiments/, verify/), before this table is read. */
const DELEGATED = ['exp show', 'metrics diff', 'params diff', 'plots diff', 'verify'];

/** `delegated`: the usage lines and help paragraphs of the delegated commands. */
export function usage(delegatedUsage: string[] = [], delegatedHelp: string[] = []): string {
  const flag = (name: OptionName): string => {
    const option = OPTIONS[name];
    const short = 'short' in option ? `-${option.short}|` : '';
    const value = option.type === 'string' ? ` ${VALUE_NAMES[name] ?? 'N'}` : '';
    return `[${short}--${name}${value}]${'multiple' in option ? '...' : ''}`;
  };
  const lines = ['usage:'];
  for (const [name, spec] of Object.entries(COMMANDS)) {
    lines.push(`  pipeline ${[name, spec.args, ...spec.options.map(flag)].filter(Boolean).join(' ')}`);
  }
  lines.push(...delegatedUsage, '  pipeline --version', '', 'commands:');
  for (const [name, spec] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(8)} ${spec.summary}`);
  lines.push('', 'options:');
  for (const [name, option] of Object.entries(OPTIONS)) lines.push(`  --${name.padEnd(11)} ${option.help}`);
  lines.push('', 'A stage name selects all its instances (train) or one (train@<id>), plus what they depend on.');
  for (const help of delegatedHelp) lines.push('', help);
  return lines.join('\n');
}

export function parseCommandLine(argv: string[]): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      tokens: true,
      options: {
        ...Object.fromEntries(
          Object.entries(OPTIONS).map(([k, o]) => [
            k,
            { type: o.type, ...('short' in o ? { short: o.short } : {}), ...('multiple' in o ? { multiple: true } : {}) },
          ]),
        ),
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    });
  } catch (e) {
    throw new UserError(`${(e as Error).message} (see pipeline --help)`);
  }
  const given = parsed.tokens.filter((t) => t.kind === 'option');
  if (parsed.values.version) return { kind: 'version' };
  const [command, ...targets] = parsed.positionals;
  if (parsed.values.help) return { kind: 'help', exitCode: 0 };
  if (!command) return { kind: 'help', exitCode: 2 };
  const spec = COMMANDS[command];
  if (!spec) throw new UserError(`unknown command "${command}" (commands: ${[...Object.keys(COMMANDS), ...DELEGATED].join(', ')}; see pipeline --help)`);
  const problems = [];
  const counts = new Map<string, number>();
  for (const t of given) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  for (const [name, n] of counts) {
    if (!spec.options.includes(name as OptionName)) {
      problems.push({
        field: `--${name}`,
        message: `pipeline ${command} does not take this option (it takes ${spec.options.map((o) => `--${o}`).join(', ') || 'none'})`,
      });
    } else if (n > 1 && !('multiple' in OPTIONS[name as OptionName])) {
      problems.push({ field: `--${name}`, message: `given ${n} times; give it once` });
    }
  }
  if (problems.length > 0) throw new UserError(problems);
  const v = parsed.values as Record<string, unknown>;
  const values: OptionValues = {
    force: v.force === true,
    'dry-run': v['dry-run'] === true,
    jobs: v.jobs as string | undefined,
    set: (v.set as string[] | undefined) ?? [],
    profile: v.profile as string | undefined,
    quiet: v.quiet === true,
    json: v.json === true,
    'exit-code': v['exit-code'] === true,
    dot: v.dot === true,
    'keep-days': v['keep-days'] as string | undefined,
    'remote-name': v['remote-name'] as string | undefined,
    remote: v.remote === true,
    'no-remote': v['no-remote'] === true,
    verify: v.verify === true,
    project: v.project === true,
    default: v.default === true,
    endpoint: v.endpoint as string | undefined,
    'path-style': v['path-style'] as boolean | undefined,
    region: v.region as string | undefined,
    executor: v.executor as string | undefined,
    redis: v.redis as string | undefined,
    concurrency: v.concurrency as string | undefined,
    name: v.name as string | undefined,
  };
  return { kind: 'command', command, targets, values };
}
