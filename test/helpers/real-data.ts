/**
 * Inputs for running the REAL download and train stages in a temp project: small generated
 * Fashion-MNIST look-alikes (28x28, learnable) served as .gz IDX files by a loopback HTTP server
 * that trickles its bytes (so a download takes long enough to be killed in the middle), and the
 * config files that point the project at them.
 */
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '../../src/ml/data/idx.ts';
import { sha256Hex } from '../../src/ml/data/verify.ts';
import { startServer, type TestServer } from '../ml/data/server.ts';
import { fakeImages } from '../ml/train/fake-model.ts';
import { Project } from './project.ts';

export const TRAIN_COUNT = 300;
export const TEST_COUNT = 60;
const NAMES = {
  train_images: 'train-images-idx3-ubyte.gz',
  train_labels: 'train-labels-idx1-ubyte.gz',
  test_images: 't10k-images-idx3-ubyte.gz',
  test_labels: 't10k-labels-idx1-ubyte.gz',
} as const;

function idxFiles(): Record<keyof typeof NAMES, Uint8Array> {
  const tr = fakeImages(TRAIN_COUNT, 28, 28, 10, 11);
  const te = fakeImages(TEST_COUNT, 28, 28, 10, 12);
  return {
    train_images: encodeIdx([TRAIN_COUNT, 28, 28], tr.images),
    train_labels: encodeIdx([TRAIN_COUNT], tr.labels),
    test_images: encodeIdx([TEST_COUNT, 28, 28], te.images),
    test_labels: encodeIdx([TEST_COUNT], te.labels),
  };
}

/** Serves the four .gz files, each in `chunks` pieces `delayMs` apart. */
export async function startDataServer(chunks = 8, delayMs = 40): Promise<{ server: TestServer; datasetYaml: (tag: number) => string }> {
  const idx = idxFiles();
  const gz = new Map(Object.entries(NAMES).map(([k, name]) => [`/${name}`, gzipSync(idx[k as keyof typeof NAMES])]));
  const server = await startServer((p) => {
    const body = gz.get(p);
    if (!body) return undefined;
    return (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      const size = Math.ceil(body.length / chunks);
      let i = 0;
      const next = (): void => {
        if (res.destroyed) return;
        if (i * size >= body.length) return void res.end();
        res.write(body.subarray(i * size, (i + 1) * size));
        i++;
        setTimeout(next, delayMs);
      };
      next();
    };
  });
  const files = Object.entries(NAMES)
    .map(([k, name]) => `  ${k}: { file: ${name}, sha256: ${sha256Hex(idx[k as keyof typeof NAMES])} }`)
    .join('\n');
  // `tag` changes an HTTP setting only, so a new tag makes download stale without changing its data.
  const datasetYaml = (tag: number): string => `sources:
  - kind: http
    name: loopback
    base_url: ${server.url}/
files:
${files}
expected:
  train: { count: ${TRAIN_COUNT}, rows: 28, cols: 28 }
  test: { count: ${TEST_COUNT}, rows: 28, cols: 28 }
http: { idle_timeout_ms: ${5000 + tag}, request_timeout_ms: 60000, retries: 0, backoff_ms: 10 }
`;
  return { server, datasetYaml };
}

/** configs/train.yaml for a few-second training on the cpu backend. */
export const trainYaml = (seed: number): string => `epochs: 2
batch_size: 32
optimizer: adam
learning_rate: 0.01
lr_schedule: constant
seed: ${seed}
validation_split: 60
max_train_images: null
backend: cpu
augment: { hflip: false, shift: 0 }
`;

/** A tiny custom network: the experiment train@tiny. */
export const TINY_EXPERIMENT = `description: a tiny dense network that trains in seconds on the cpu backend
architecture:
  kind: custom
  layers:
    - { type: flatten }
    - { type: dense, units: 8 }
    - { type: relu }
    - { type: dense, units: 10 }
`;

/** A copy of this repository with the tiny experiment and a loopback data source: train@tiny trains in seconds. */
export async function tinyTrainingProject(): Promise<{ p: Project; dispose(): Promise<void> }> {
  const { server, datasetYaml } = await startDataServer(1, 0);
  const p = await Project.fromRepo({
    'configs/dataset.yaml': datasetYaml(0),
    'configs/train.yaml': trainYaml(0),
    'configs/experiments/tiny.yaml': TINY_EXPERIMENT,
  });
  return {
    p,
    dispose: async () => {
      await p.dispose();
      await server.close();
    },
  };
}
