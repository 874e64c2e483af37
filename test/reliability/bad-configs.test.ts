/**
 * Bad configs: a corpus of malformed pipeline.yaml and configs/ files of the REAL project (a copy of
 * the repo's pipeline.yaml, configs/ and stages/), one mistake per case. Each must exit 2 with a
 * line naming file:line:column and the field, print no stack trace, and start no stage. Cases run
 * `pipeline run theory`: had the mistake gone unnoticed, the cheap theory stage would run and the
 * case would fail on its exit code, never a download or a training.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Project, REPO } from '../helpers/project.ts';

interface Case {
  name: string;
  /** file -> edit of its text (a replacement, or a whole new file when the file is new). */
  edits: Record<string, (text: string) => string>;
  /** The file named in the message, the text on the expected line (first occurrence), the field. */
  file: string;
  at?: string;
  field: RegExp;
  args?: string[];
}

/** Replaces `from` (which must occur) with `to`, so a changed config breaks the case loudly. */
const sub =
  (from: string | RegExp, to: string) =>
  (text: string): string => {
    const out = text.replace(from, to);
    if (out === text) throw new Error(`corpus: ${String(from)} not found`);
    return out;
  };
const whole = (text: string) => (): string => text;
/** Sets the first `key:` line's value (keeping its comment), whatever the value is today. */
const set = (key: string, value: string) => sub(new RegExp(`^(\\s*)${key}: [^#\\n]*?( *#.*)?$`, 'm'), `$1${key}: ${value}$2`);
const P = 'pipeline.yaml';
const TRAIN = 'configs/train.yaml';
const GRID = 'configs/grid.yaml';
const VGG = 'configs/experiments/vgg-bn.yaml';
const DATA = 'configs/dataset.yaml';
const GC = 'configs/gradcheck.yaml';
const SEARCH = 'configs/search.yaml';
const f = (s: string): RegExp => new RegExp(`^${s.replace(/[.[\]@+]/g, (c) => `\\${c}`)}$`);

const cases: Case[] = [
  // pipeline.yaml
  {
    name: 'YAML syntax: unclosed flow list',
    edits: { [P]: sub('outs: [artifacts/data/fashion-mnist]', 'outs: [artifacts/data/fashion-mnist') },
    file: P,
    field: /^YAML syntax$/,
  },
  { name: 'YAML syntax: tab indentation', edits: { [P]: sub('    module: stages/theory.ts', '\tmodule: stages/theory.ts') }, file: P, field: /^YAML syntax$/ },
  {
    name: 'duplicate stage key',
    edits: { [P]: sub('    reads: [theory]\n', '    reads: [theory]\n    reads: [theory, report]\n') },
    file: P,
    at: 'reads: [theory, report]',
    field: /^YAML syntax$/,
  },
  {
    name: 'unknown stage key',
    edits: { [P]: sub('    reads: [theory]\n', '    reads: [theory]\n    cmd: node theory.js\n') },
    file: P,
    at: 'cmd:',
    field: f('stages.theory.cmd'),
  },
  { name: 'unknown top-level key', edits: { [P]: (t) => `${t}\nremote: s3://bucket\n` }, file: P, at: 'remote:', field: f('remote') },
  { name: 'cache of the wrong type', edits: { [P]: sub('cache: artifacts/cache', 'cache: [artifacts/cache]') }, file: P, at: 'cache:', field: f('cache') },
  {
    name: 'stage module does not exist',
    edits: { [P]: sub('module: stages/theory.ts', 'module: stages/thoery.ts') },
    file: P,
    at: 'stages/thoery.ts',
    field: f('stages.theory.module'),
  },
  {
    name: 'reads key not in configs',
    edits: { [P]: sub('reads: [theory]', 'reads: [theroy]') },
    file: P,
    at: 'reads: [theroy]',
    field: f('stages.theory.reads[0]'),
  },
  {
    name: 'foreach on a plain stage',
    edits: { [P]: sub('reads: [theory]', 'foreach: [theory]') },
    file: P,
    at: 'foreach: [theory]',
    field: f('stages.theory.foreach'),
  },
  {
    name: 'matrix stage without foreach',
    edits: { [P]: sub('    foreach: [grid, experiments, train]\n', '') },
    file: P,
    at: 'module: stages/train.ts',
    field: f('stages.train.module'),
  },
  {
    name: 'dependency nothing writes',
    edits: {
      [P]: sub('histories: artifacts/metrics/train }', 'histories: artifacts/metrics/trian }'),
    },
    file: P,
    at: 'metrics/trian',
    field: f('stages.select.deps.histories'),
  },
  {
    name: 'dependency cycle',
    edits: { [P]: sub('    reads: [dataset]\n', '    reads: [dataset]\n    deps: [artifacts/metrics/summary.json]\n') },
    file: P,
    field: /^stages\.\w+\.deps$/,
  },
  {
    name: 'two stages write one file',
    edits: { [P]: sub('outs: [artifacts/metrics/theory.json', 'outs: [artifacts/metrics/gradcheck.json') },
    file: P,
    field: /^stages\.\w+\.outs\[0\]$/,
  },
  {
    name: 'outs is a string',
    edits: { [P]: sub('outs: [artifacts/metrics/selection.json]', 'outs: artifacts/metrics/selection.json') },
    file: P,
    at: 'outs: artifacts/metrics/selection.json',
    field: f('stages.select.outs'),
  },
  { name: 'empty outs', edits: { [P]: sub('outs: [artifacts/metrics/selection.json]', 'outs: []') }, file: P, at: 'outs: []', field: f('stages.select.outs') },
  {
    name: 'verify rule with two comparisons',
    edits: {
      [P]: sub(
        '      - artifacts/metrics/train/${id}.json\n    # Training',
        '      - artifacts/metrics/train/${id}.json\n    verify:\n      - files: artifacts/metrics/train/*.json\n        float32: {}\n        json: { ignore: [epoch] }\n    # Training',
      ),
    },
    file: P,
    at: '- files: artifacts/metrics/train',
    field: f('stages.train.verify[0]'),
  },
  {
    name: 'experiments: shared metrics file without rows',
    edits: { [P]: sub('      rows: experiments\n      fields:', '      fields:') },
    file: P,
    at: '- file: artifacts/metrics/summary.json',
    field: f('experiments.metrics[0]'),
  },

  // configs/train.yaml
  { name: 'train: negative epochs', edits: { [TRAIN]: set('epochs', '-3') }, file: TRAIN, at: 'epochs:', field: f('train.epochs') },
  { name: 'train: zero epochs', edits: { [TRAIN]: set('epochs', '0') }, file: TRAIN, at: 'epochs:', field: f('train.epochs') },
  { name: 'train: epochs as text', edits: { [TRAIN]: set('epochs', 'fifteen') }, file: TRAIN, at: 'epochs:', field: f('train.epochs') },
  { name: 'train: fractional epochs', edits: { [TRAIN]: set('epochs', '1.5') }, file: TRAIN, at: 'epochs:', field: f('train.epochs') },
  { name: 'train: zero batch size', edits: { [TRAIN]: set('batch_size', '0') }, file: TRAIN, at: 'batch_size:', field: f('train.batch_size') },
  { name: 'train: unknown optimizer', edits: { [TRAIN]: set('optimizer', 'adamw') }, file: TRAIN, at: 'optimizer:', field: f('train.optimizer') },
  {
    name: 'train: negative learning rate',
    edits: { [TRAIN]: set('learning_rate', '-0.001') },
    file: TRAIN,
    at: 'learning_rate:',
    field: f('train.learning_rate'),
  },
  { name: 'train: unknown lr schedule', edits: { [TRAIN]: set('lr_schedule', 'step') }, file: TRAIN, at: 'lr_schedule:', field: f('train.lr_schedule') },
  { name: 'train: unknown backend', edits: { [TRAIN]: set('backend', 'cuda') }, file: TRAIN, at: 'backend:', field: f('train.backend') },
  {
    name: 'train: negative validation split',
    edits: { [TRAIN]: set('validation_split', '-10') },
    file: TRAIN,
    at: 'validation_split:',
    field: f('train.validation_split'),
  },
  {
    name: 'train: validation split leaves nothing to train on',
    edits: { [TRAIN]: (t) => set('max_train_images', '500')(set('validation_split', '500')(t)) },
    file: TRAIN,
    at: 'validation_split:',
    field: f('train.validation_split'),
  },
  {
    name: 'experiment: its own validation split leaves nothing to train on',
    edits: { [VGG]: sub('  augment: { hflip: true, shift: 0 }', '  augment: { hflip: true, shift: 0 }\n  max_train_images: 1000\n  validation_split: 2000') },
    file: VGG,
    at: 'validation_split: 2000',
    field: f('experiments.vgg-bn.train.validation_split'),
  },
  {
    name: 'train: zero max_train_images',
    edits: { [TRAIN]: set('max_train_images', '0') },
    file: TRAIN,
    at: 'max_train_images:',
    field: f('train.max_train_images'),
  },
  { name: 'train: seed as text', edits: { [TRAIN]: set('seed', '"520a"') }, file: TRAIN, at: 'seed:', field: f('train.seed') },
  { name: 'train: unknown key', edits: { [TRAIN]: (t) => `${t}momentum: 0.9\n` }, file: TRAIN, at: 'momentum:', field: f('train.momentum') },
  {
    name: 'train: augment.hflip not a boolean',
    edits: { [TRAIN]: sub('hflip: false', 'hflip: maybe') },
    file: TRAIN,
    at: 'augment:',
    field: f('train.augment.hflip'),
  },
  {
    name: 'train: unknown augment key',
    edits: { [TRAIN]: sub('shift: 0 }', 'shift: 0, rotate: 10 }') },
    file: TRAIN,
    at: 'augment:',
    field: f('train.augment.rotate'),
  },
  {
    name: 'train: augment shift too large',
    edits: { [TRAIN]: sub('shift: 0 }', 'shift: 20 }') },
    file: TRAIN,
    at: 'augment:',
    field: f('train.augment.shift'),
  },
  { name: 'train: YAML syntax error', edits: { [TRAIN]: set('epochs', '[15') }, file: TRAIN, field: /^YAML syntax$/ },

  // configs/grid.yaml
  {
    name: 'grid: empty pool list',
    edits: { [GRID]: sub(/pool:[^\n]*\n  - [^\n]*\n  - [^\n]*\n/, 'pool: []\n') },
    file: GRID,
    at: 'pool: []',
    field: f('grid.pool'),
  },
  { name: 'grid: empty dropout list', edits: { [GRID]: set('dropout', '[]') }, file: GRID, at: 'dropout:', field: f('grid.dropout') },
  { name: 'grid: dropout of 1.5', edits: { [GRID]: set('dropout', '[0.1, 1.5]') }, file: GRID, at: 'dropout:', field: f('grid.dropout[1]') },
  {
    name: 'grid: repeated dropout (duplicate experiment ids)',
    edits: { [GRID]: set('dropout', '[0.1, 0.3, 0.1]') },
    file: GRID,
    at: 'dropout:',
    field: f('grid.dropout[2]'),
  },
  { name: 'grid: batchnorm as text', edits: { [GRID]: set('batchnorm', '["true", false]') }, file: GRID, at: 'batchnorm:', field: f('grid.batchnorm[0]') },
  {
    name: 'grid: zero pool kernel',
    edits: { [GRID]: sub('{ kernel: 2, stride: 2, padding: 0 }', '{ kernel: 0, stride: 2, padding: 0 }') },
    file: GRID,
    at: 'kernel: 0',
    field: f('grid.pool[0].kernel'),
  },
  {
    name: 'grid: negative pool padding',
    edits: { [GRID]: sub('{ kernel: 2, stride: 2, padding: 0 }', '{ kernel: 2, stride: 2, padding: -1 }') },
    file: GRID,
    at: 'padding: -1',
    field: f('grid.pool[0].padding'),
  },
  {
    name: 'grid: unknown pool key',
    edits: { [GRID]: sub('{ kernel: 2, stride: 2, padding: 0 }', '{ kernel: 2, stride: 2, padding: 0, dilation: 2 }') },
    file: GRID,
    at: 'dilation',
    field: f('grid.pool[0].dilation'),
  },
  { name: 'grid: unknown key', edits: { [GRID]: (t) => `${t}activation: [relu, tanh]\n` }, file: GRID, at: 'activation:', field: f('grid.activation') },
  {
    name: 'grid: pooling that shrinks the map below 1x1',
    edits: { [GRID]: sub('{ kernel: 4, stride: 3, padding: 1 }', '{ kernel: 9, stride: 9, padding: 0 }') },
    file: GRID,
    at: 'kernel: 9',
    field: /^grid\.pool\[1\]/,
  },
  {
    name: 'grid: pool is a mapping',
    edits: { [GRID]: sub(/pool:[^\n]*\n  - [^\n]*\n  - [^\n]*\n/, 'pool: { kernel: 2, stride: 2, padding: 0 }\n') },
    file: GRID,
    at: 'pool:',
    field: f('grid.pool'),
  },

  // configs/experiments/
  {
    name: 'experiment: conv with zero filters',
    edits: { [VGG]: sub('{ type: conv, filters: 32, kernel: 3, padding: 1 }   # 28', '{ type: conv, filters: 0, kernel: 3, padding: 1 }   # 28') },
    file: VGG,
    at: 'filters: 0',
    field: /^experiments\.vgg-bn\.architecture\.layers\[0\]\.filters$/,
  },
  {
    name: 'experiment: unknown layer type',
    edits: { [VGG]: sub('{ type: relu }', '{ type: gelu }') },
    file: VGG,
    at: 'gelu',
    field: /^experiments\.vgg-bn\.architecture\.layers\[2\]/,
  },
  {
    name: 'experiment: shapes go negative (conv kernel larger than the map)',
    edits: { [VGG]: sub('{ type: conv, filters: 64, kernel: 3, padding: 1 }\n', '{ type: conv, filters: 64, kernel: 20, padding: 0 }\n') },
    file: VGG,
    at: 'kernel: 20',
    field: /^experiments\.vgg-bn\.architecture\.layers\[7\]/,
  },
  {
    name: 'experiment: too many poolings',
    edits: { [VGG]: sub('    - { type: dropout, rate: 0.25 }\n', '    - { type: maxpool, kernel: 4 }\n    - { type: maxpool, kernel: 4 }\n') },
    file: VGG,
    field: /^experiments\.vgg-bn\.architecture\.layers\[15\] \(maxpool\)$/,
  },
  {
    name: 'experiment: last layer is not 10 logits',
    edits: { [VGG]: sub('{ type: dense, units: 10 }', '{ type: dense, units: 7 }') },
    file: VGG,
    at: 'units: 7',
    field: /^experiments\.vgg-bn\.architecture\.layers/,
  },
  {
    name: 'experiment: dropout rate above 1',
    edits: { [VGG]: sub('{ type: dropout, rate: 0.4 }', '{ type: dropout, rate: 1.4 }') },
    file: VGG,
    at: 'rate: 1.4',
    field: /^experiments\.vgg-bn\.architecture\.layers\[19\]\.rate$/,
  },
  {
    name: 'experiment: unknown layer key',
    edits: { [VGG]: sub('{ type: dense, units: 256 }', '{ type: dense, units: 256, activation: relu }') },
    file: VGG,
    at: 'units: 256',
    field: /^experiments\.vgg-bn\.architecture\.layers\[16\](\.activation)?$/,
  },
  {
    name: 'experiment: unknown architecture kind',
    edits: { [VGG]: sub('kind: custom', 'kind: resnet') },
    file: VGG,
    at: 'kind: resnet',
    field: /^experiments\.vgg-bn\.architecture(\.kind)?$/,
  },
  {
    name: 'experiment: empty layer list',
    edits: { [VGG]: sub(/  layers:\n(    - [^\n]*\n)+/, '  layers: []\n') },
    file: VGG,
    at: 'layers: []',
    field: /^experiments\.vgg-bn\.architecture\.layers$/,
  },
  {
    name: 'experiment: no description',
    edits: { [VGG]: sub(/description: >-\n(  [^\n]*\n)+/, '') },
    file: VGG,
    field: /^experiments\.vgg-bn(\.description)?$/,
  },
  {
    name: 'experiment: unknown top-level key',
    edits: { [VGG]: (t) => `${t}optimiser: sgd\n` },
    file: VGG,
    at: 'optimiser:',
    field: f('experiments.vgg-bn.optimiser'),
  },
  {
    name: 'experiment: negative epochs override',
    edits: { [VGG]: sub('  augment: { hflip: true, shift: 0 }', '  augment: { hflip: true, shift: 0 }\n  epochs: -2') },
    file: VGG,
    at: 'epochs: -2',
    field: f('experiments.vgg-bn.train.epochs'),
  },
  {
    name: 'experiment: misspelt train override',
    edits: { [VGG]: sub('  augment: { hflip: true, shift: 0 }', '  augment: { hflip: true, shift: 0 }\n  epoch: 3') },
    file: VGG,
    at: 'epoch: 3',
    field: f('experiments.vgg-bn.train.epoch'),
  },
  {
    name: 'experiment: unknown backend override',
    edits: { [VGG]: sub('  augment: { hflip: true, shift: 0 }', '  augment: { hflip: true, shift: 0 }\n  backend: metal') },
    file: VGG,
    at: 'backend: metal',
    field: f('experiments.vgg-bn.train.backend'),
  },
  {
    name: 'experiment: id taken by a grid point',
    edits: {
      'configs/experiments/pool2-2-0_drop0.1_bn.yaml': whole(
        'description: a copy\narchitecture: { kind: table2, pool: { kernel: 2, stride: 2, padding: 0 }, dropout: 0.1, batchnorm: true }\n',
      ),
    },
    file: 'configs/experiments/pool2-2-0_drop0.1_bn.yaml',
    field: /^experiments\.pool2-2-0_drop0\.1_bn$/,
  },
  {
    name: 'experiment: file name not usable as an id',
    edits: {
      'configs/experiments/my net.yaml': whole(
        'description: spaces\narchitecture: { kind: table2, pool: { kernel: 2, stride: 2, padding: 0 }, dropout: 0.1, batchnorm: true }\n',
      ),
    },
    file: 'configs/experiments/my net.yaml',
    field: /^experiments\.my net$/,
  },
  {
    name: 'experiment: empty file',
    edits: { 'configs/experiments/empty.yaml': whole('# nothing yet\n') },
    file: 'configs/experiments/empty.yaml',
    field: /^experiments\.empty/,
  },

  // configs/dataset.yaml
  {
    name: 'dataset: no sources',
    edits: { [DATA]: sub(/sources:\n(  [^\n]*\n|\n)+(?=# File names)/, 'sources: []\n\n') },
    file: DATA,
    at: 'sources: []',
    field: f('dataset.sources'),
  },
  {
    name: 'dataset: unknown source kind',
    edits: { [DATA]: sub('  - kind: local', '  - kind: ftp') },
    file: DATA,
    at: 'kind: ftp',
    field: f('dataset.sources[0].kind'),
  },
  {
    name: 'dataset: base_url not a URL',
    edits: { [DATA]: sub('base_url: http://fashion-mnist', 'base_url: fashion-mnist') },
    file: DATA,
    at: 'base_url: fashion-mnist',
    field: f('dataset.sources[1].base_url'),
  },
  {
    name: 'dataset: source without a name',
    edits: { [DATA]: sub('    name: debian\n', '') },
    file: DATA,
    at: '  - kind: local',
    field: f('dataset.sources[0].name'),
  },
  {
    name: 'dataset: truncated sha256',
    edits: { [DATA]: sub('sha256: c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888', 'sha256: c59f468a2f672dc8') },
    file: DATA,
    at: 'sha256: c59f468a2f672dc8',
    field: f('dataset.files.train_images.sha256'),
  },
  {
    name: 'dataset: negative expected count',
    edits: { [DATA]: sub('train: { count: 60000', 'train: { count: -60000') },
    file: DATA,
    at: 'count: -60000',
    field: f('dataset.expected.train.count'),
  },
  {
    name: 'dataset: unknown http key',
    edits: { [DATA]: sub('  max_redirects: 5', '  max_redirects: 5\n  proxy: http://proxy:3128') },
    file: DATA,
    at: 'proxy:',
    field: f('dataset.http.proxy'),
  },
  { name: 'dataset: misspelt top-level key', edits: { [DATA]: sub('\nclasses:', '\nclases:') }, file: DATA, at: 'clases:', field: f('dataset.clases') },
  { name: 'dataset: negative retries', edits: { [DATA]: set('retries', '-1') }, file: DATA, at: 'retries:', field: f('dataset.http.retries') },

  // configs/gradcheck.yaml
  {
    name: 'gradcheck: negative tolerance',
    edits: { [GC]: sub('  tolerance: 1.0e-6', '  tolerance: -1.0e-6') },
    file: GC,
    at: 'tolerance: -1.0e-6',
    field: f('gradcheck.finite_differences.tolerance'),
  },
  {
    name: 'gradcheck: tolerance as text',
    edits: { [GC]: sub('  tolerance: 1.0e-3', '  tolerance: loose') },
    file: GC,
    at: 'tolerance: loose',
    field: f('gradcheck.autodiff.tolerance'),
  },
  {
    name: 'gradcheck: zero tolerance',
    edits: { [GC]: sub('  tolerance: 1.0e-3', '  tolerance: 0') },
    file: GC,
    at: 'tolerance: 0',
    field: f('gradcheck.autodiff.tolerance'),
  },
  { name: 'gradcheck: unsupported stencil', edits: { [GC]: set('stencil', '3') }, file: GC, at: 'stencil:', field: f('gradcheck.finite_differences.stencil') },
  {
    name: 'gradcheck: misspelt tolerance key',
    edits: { [GC]: sub('  tolerance: 1.0e-6', '  tolerence: 1.0e-6') },
    file: GC,
    at: 'tolerence:',
    field: f('gradcheck.finite_differences.tolerence'),
  },
  { name: 'gradcheck: zero hidden units', edits: { [GC]: set('hidden', '0') }, file: GC, at: 'hidden:', field: f('gradcheck.hidden') },

  // configs/evaluate.yaml, theory.yaml, report.yaml
  {
    name: 'evaluate: unknown backend',
    edits: { 'configs/evaluate.yaml': set('backend', 'gpu') },
    file: 'configs/evaluate.yaml',
    at: 'backend:',
    field: f('evaluate.backend'),
  },
  {
    name: 'evaluate: zero batch size',
    edits: { 'configs/evaluate.yaml': set('batch_size', '0') },
    file: 'configs/evaluate.yaml',
    at: 'batch_size:',
    field: f('evaluate.batch_size'),
  },
  {
    name: 'theory: zero stride',
    edits: { 'configs/theory.yaml': sub('  stride: 4', '  stride: 0') },
    file: 'configs/theory.yaml',
    at: 'stride: 0',
    field: f('theory.output_volume.stride'),
  },
  {
    name: 'theory: unknown key',
    edits: { 'configs/theory.yaml': sub('  filters: 64', '  filters: 64\n  dilation: 2') },
    file: 'configs/theory.yaml',
    at: 'dilation:',
    field: f('theory.output_volume.dilation'),
  },
  {
    name: 'report: negative lowest_classes',
    edits: { 'configs/report.yaml': set('lowest_classes', '-3') },
    file: 'configs/report.yaml',
    at: 'lowest_classes:',
    field: f('report.lowest_classes'),
  },

  // Mistakes that used to pass silently or be blamed elsewhere (issue 16: no silent typos, outputs never replace sources)
  {
    name: 'foreach: a misspelt config key',
    edits: { [P]: sub('foreach: [grid, experiments, train]', 'foreach: [grid, experimnts, train]') },
    file: P,
    at: 'experimnts',
    field: f('stages.train.foreach[1]'),
  },
  {
    name: 'an experiment in two files (.yml beside .yaml)',
    edits: { 'configs/experiments/vgg-bn.yml': (t) => t || 'kind: custom\n' },
    file: 'configs/experiments/vgg-bn.yml',
    field: /^$/,
  },
  {
    name: '${id} in a stage without foreach',
    edits: { [P]: sub('outs: [artifacts/metrics/selection.json]', 'outs: ["artifacts/metrics/${id}.json"]') },
    file: P,
    at: '"artifacts/metrics/${id}.json"',
    field: f('stages.select.outs[0]'),
  },
  {
    name: 'an out that would replace the stage modules',
    edits: { [P]: sub('outs: [artifacts/report, artifacts/tensorboard]', 'outs: [artifacts/report, stages]') },
    file: P,
    at: 'stages]',
    field: f('stages.report.outs[1]'),
  },
  { name: 'a folder named like a config file', edits: { 'configs/train.yml/notes.txt': () => 'meant to be a file\n' }, file: 'configs/train.yml', field: /^$/ },

  // configs/search.yaml (successive halving: issue 15)
  { name: 'search: misspelt strategy', edits: { [SEARCH]: set('strategy', 'succesive-halving') }, file: SEARCH, at: 'strategy:', field: f('search.strategy') },
  {
    name: 'when: a config key no file sets',
    edits: { [P]: sub('when: { search.strategy: grid }', 'when: { search.stratgy: grid }') },
    file: P,
    at: 'search.stratgy',
    field: f('stages.train.when.search.stratgy'),
  },
  {
    name: 'search: eta of 1',
    edits: { [SEARCH]: (t) => set('eta', '1')(set('strategy', 'successive-halving')(t)) },
    file: SEARCH,
    at: 'eta:',
    field: f('search.eta'),
  },
  {
    name: 'search: first rung not below train.epochs',
    edits: { [SEARCH]: (t) => set('min_epochs', '10')(set('strategy', 'successive-halving')(t)) },
    file: SEARCH,
    at: 'min_epochs:',
    field: f('search.min_epochs'),
  },
  {
    name: 'search: unknown key',
    edits: { [SEARCH]: (t) => `${set('strategy', 'successive-halving')(t)}patience: 2\n` },
    file: SEARCH,
    at: 'patience:',
    field: f('search.patience'),
  },
  {
    name: 'search: an experiment with epochs of its own',
    edits: {
      [SEARCH]: set('strategy', 'successive-halving'),
      [VGG]: sub('  augment: { hflip: true, shift: 0 }', '  augment: { hflip: true, shift: 0 }\n  epochs: 5'),
    },
    file: VGG,
    at: 'epochs: 5',
    field: f('experiments.vgg-bn.train.epochs'),
  },
  {
    name: '${item.*} naming no field',
    edits: {
      [P]: sub('artifacts/search/rung${item.from_rung}/${item.experiment.id}', 'artifacts/search/rung${item.from}/${item.experiment.id}'),
      [SEARCH]: set('strategy', 'successive-halving'),
    },
    file: P,
    at: 'rung${item.from}/',
    field: f('stages.search-rung.deps.previous'),
  },

  // configs/profiles/ (checked when the profile is used)
  {
    name: 'profile ci: zero epochs',
    edits: { 'configs/profiles/ci.yaml': set('epochs', '0') },
    args: ['--profile', 'ci'],
    file: 'configs/profiles/ci.yaml',
    at: 'epochs: 0',
    field: f('train.epochs'),
  },
  {
    name: 'profile ci: unknown key',
    edits: { 'configs/profiles/ci.yaml': sub(/^  epochs: .*$/m, '$&\n  epocs: 2') },
    args: ['--profile', 'ci'],
    file: 'configs/profiles/ci.yaml',
    at: 'epocs:',
    field: f('train.epocs'),
  },
];

/** The 1-based line of the first occurrence of `needle` in `text`. */
function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`corpus: "${needle}" not in the edited file`);
  return text.slice(0, i).split('\n').length;
}

describe('bad configs of the real project', () => {
  const projects: Project[] = [];
  after(async () => {
    for (const p of projects) await p.dispose();
    console.log(`bad-configs summary: ${cases.length} malformed inputs tried`);
  });

  const check = async (c: Case): Promise<void> => {
    const files: Record<string, string> = {};
    for (const [rel, edit] of Object.entries(c.edits)) {
      const original = await readFile(path.join(REPO, rel), 'utf8').catch(() => '');
      files[rel] = edit(original);
    }
    const p = await Project.fromRepo(files);
    projects.push(p);
    const r = await p.cli('run', 'theory', ...(c.args ?? []));
    const why = `${c.name}\n--- stderr:\n${r.stderr}--- stdout:\n${r.stdout}`;
    assert.equal(r.code, 2, why);
    assert.doesNotMatch(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, `stack trace printed: ${why}`);
    const problems = r.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => /^(.+?):(\d+):(\d+): (?:(.+?): )?/.exec(line));
    const hit = problems.find((m) => m && m[1] === c.file && c.field.test(m[4] ?? ''));
    assert.ok(hit, `no problem names ${c.file} and field ${c.field}: ${why}`);
    if (c.at) assert.equal(Number(hit[2]), lineOf(files[c.file] ?? '', c.at), `wrong line: ${why}`);
    for (const rel of ['artifacts', '.pipeline/tmp', '.pipeline/run.lock']) {
      await assert.rejects(stat(path.join(p.root, rel)), `${rel} exists: a stage may have started (${c.name})`);
    }
  };

  // Three at a time: each case imports the real stage modules in a fresh project.
  it(`${cases.length} malformed configs each exit 2 naming file:line and the field`, { timeout: 30 * 60_000 }, async () => {
    const failures: string[] = [];
    const queue = [...cases];
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          try {
            await check(c);
          } catch (e) {
            failures.push(`✖ ${(e as Error).message}`);
          }
        }
      }),
    );
    console.log(`bad-configs: ${cases.length - failures.length} of ${cases.length} rejected as specified`);
    assert.equal(failures.length, 0, failures.join('\n\n'));
  });
});
