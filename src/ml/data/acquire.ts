/**
 * Tries the configured sources in order until one yields all four files verified. A source fails
 * as a whole on its first bad file, with that file's reason; when every source fails, one UserError
 * lists each source and why, so a user sees the full picture in one message.
 */
import { readFile, rm, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError, type Problem, type ProgressUpdate } from '../../stage-api.ts';
import { FILE_KEYS, type DatasetConfig, type FileKey, type Source } from './config.ts';
import type { Dataset, DatasetMeta, Split } from './dataset.ts';
import { fetchToFile } from './http.ts';
import type { IdxArray } from './idx.ts';
import { verifyFile } from './verify.ts';

export interface AcquireEnv {
  /** Survives failed runs: completed HTTP downloads are kept here and reused if they verify. */
  scratch: string;
  signal?: AbortSignal;
  progress?(u: ProgressUpdate): void;
  log?(line: string): void;
}

/** Thrown inside one source; caught by the loop and turned into that source's reason. */
class SourceFailure extends Error {}

export function describeSource(s: Source): string {
  return s.kind === 'local' ? s.dir : s.base_url;
}

export async function acquireDataset(cfg: DatasetConfig, env: AcquireEnv): Promise<Dataset> {
  const problems: Problem[] = [];
  for (const [i, source] of cfg.sources.entries()) {
    env.signal?.throwIfAborted();
    try {
      const arrays = await fromSource(source, cfg, env);
      env.log?.(`fashion-mnist: verified all files from ${source.name} (${describeSource(source)})`);
      return assemble(arrays, source, cfg);
    } catch (e) {
      if (env.signal?.aborted) throw e;
      if (!(e instanceof SourceFailure)) throw e;
      env.log?.(`fashion-mnist: source ${source.name} failed: ${e.message}`);
      problems.push({ field: `dataset.sources[${i}]`, message: `${source.name} (${describeSource(source)}): ${e.message}` });
    }
  }
  throw new UserError([
    { field: 'dataset.sources', message: `Fashion-MNIST could not be obtained from any of the ${cfg.sources.length} sources (configs/dataset.yaml):` },
    ...problems,
  ]);
}

async function fromSource(source: Source, cfg: DatasetConfig, env: AcquireEnv): Promise<Record<FileKey, IdxArray>> {
  const out: Partial<Record<FileKey, IdxArray>> = {};
  for (const key of FILE_KEYS) {
    const file = cfg.files[key].file;
    const raw = source.kind === 'local' ? await readLocal(source.dir, file) : await readHttp(source, file, key, cfg, env);
    env.progress?.({ step: `verifying ${file} from ${source.name}` });
    const verified = await verifyFile(raw, key, cfg);
    if (!verified.ok) {
      if (source.kind === 'http') await rm(cachedPath(env, source, file), { force: true });
      throw new SourceFailure(`${file}: ${verified.reason}`);
    }
    out[key] = verified.value;
  }
  return out as Record<FileKey, IdxArray>;
}

async function readLocal(dir: string, file: string): Promise<Uint8Array> {
  const full = path.join(dir, file);
  try {
    return await readFile(full);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SourceFailure(code === 'ENOENT' ? `${full}: no such file` : `${full}: ${(e as Error).message}`);
  }
}

function cachedPath(env: AcquireEnv, source: Source, file: string): string {
  // One folder per source, so a file from a source that failed verification never passes for another's.
  return path.join(env.scratch, 'download', source.name.replace(/[^\w.-]/g, '_'), file);
}

async function readHttp(source: Extract<Source, { kind: 'http' }>, file: string, key: FileKey, cfg: DatasetConfig, env: AcquireEnv): Promise<Uint8Array> {
  const dest = cachedPath(env, source, file);
  await mkdir(path.dirname(dest), { recursive: true });
  const done = await stat(dest).then(
    () => true,
    () => false,
  );
  if (done) {
    // A previous run got this file completely; keep it if it still verifies, else fetch it again.
    const cached = await readFile(dest);
    if ((await verifyFile(cached, key, cfg)).ok) return cached;
    await rm(dest, { force: true });
  }
  const url = new URL(file, source.base_url).href;
  const step = `downloading ${file} from ${source.name}`;
  try {
    await fetchToFile(url, dest, cfg.http, {
      signal: env.signal,
      onProgress: (current, total) => env.progress?.({ step, current, total, unit: 'bytes' }),
      onRetry: (attempt, reason, wait) => env.log?.(`${url}: ${reason}; retry ${attempt} in ${wait} ms`),
    });
  } catch (e) {
    // The source line already names the base URL; the file name completes it.
    throw new SourceFailure(`${file}: ${(e as Error).message}`);
  }
  return readFile(dest);
}

function assemble(a: Record<FileKey, IdxArray>, source: Source, cfg: DatasetConfig): Dataset {
  const split = (images: IdxArray, labels: IdxArray): Split => ({
    images: images.data,
    labels: labels.data,
    count: images.dims[0]!,
    rows: images.dims[1]!,
    cols: images.dims[2]!,
  });
  const train = split(a.train_images, a.train_labels);
  const test = split(a.test_images, a.test_labels);
  const meta: DatasetMeta = {
    classes: cfg.classes,
    train: { count: train.count, rows: train.rows, cols: train.cols },
    test: { count: test.count, rows: test.rows, cols: test.cols },
    sha256: Object.fromEntries(FILE_KEYS.map((k) => [k, cfg.files[k].sha256])),
    source: { name: source.name, kind: source.kind, location: describeSource(source) },
  };
  return { meta, train, test };
}
