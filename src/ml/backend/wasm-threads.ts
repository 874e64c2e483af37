/**
 * Making tfjs-backend-wasm's multi-threaded build start under Node. Upstream turns threads off in
 * Node (the WASM_HAS_MULTITHREAD_SUPPORT flag is false there, tensorflow/tfjs#3830); forcing the
 * flag is not enough, for three reasons, each handled here:
 *
 * 1. Emscripten creates its pthread workers with `new Worker(blob: URL)`, which Node's
 *    worker_threads refuse. While the module initialises, `globalThis.Worker` is a subclass that
 *    runs the worker script (exported by the package as a string) with `eval: true`, and replaces
 *    the main-script Blob sent to each worker with the path of the same script on disk.
 * 2. The C++ side sizes its thread pool as min(requested, logical cores / 2) (it assumes two
 *    hyper-threads per core), so a 2-core machine gets one thread whatever is asked. Emscripten
 *    reads the core count from os.cpus() in Node; during initialisation it reports 2 x threads.
 * 3. A running pthread keeps its worker ref()'d, so the process would never exit; our workers
 *    stay unref()'d (threads only ever wait for work from the main thread).
 *
 * Threads are fixed when the wasm backend first initialises, once per process.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker as NodeWorker } from 'node:worker_threads';
import type { WorkerOptions } from 'node:worker_threads';

const require = createRequire(import.meta.url);

function wasmOutDir(): string {
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
}

function makeWorkerClass(): typeof NodeWorker {
  const dir = wasmOutDir();
  const mainScript = path.join(dir, 'tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = require(path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  // The package escapes newlines the same way before turning the script into a Blob.
  const workerScript = wasmWorkerContents.replace(/\n/g, '\\n');
  return class PthreadWorker extends NodeWorker {
    constructor(url: string | URL, opts?: WorkerOptions) {
      const fromBlob = typeof url === 'string' && url.startsWith('blob:');
      super(fromBlob ? workerScript : url, fromBlob ? { ...opts, eval: true } : opts);
      this.unref();
    }

    override ref(): void {}

    override postMessage(message: unknown, transferList?: Parameters<NodeWorker['postMessage']>[1]): void {
      const m = message as { cmd?: string; urlOrBlob?: unknown } | null;
      const patched = m && m.cmd === 'load' && typeof m.urlOrBlob !== 'string' ? { ...m, urlOrBlob: mainScript } : message;
      super.postMessage(patched, transferList);
    }
  };
}

/** Runs `init` (which must initialise the wasm backend) with the shims above in place. */
export async function withThreadShims<T>(threads: number, init: () => Promise<T>): Promise<T> {
  const previousWorker = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  const realCpus = os.cpus;
  const Worker = makeWorkerClass();
  // Emscripten assigns global.Worker = worker_threads.Worker during init: keep ours in place.
  Object.defineProperty(globalThis, 'Worker', { configurable: true, get: () => Worker, set: () => {} });
  const one = realCpus()[0];
  (os as { cpus: typeof os.cpus }).cpus = () => (one ? Array.from({ length: 2 * threads }, () => one) : realCpus());
  try {
    return await init();
  } finally {
    (os as { cpus: typeof os.cpus }).cpus = realCpus;
    if (previousWorker) Object.defineProperty(globalThis, 'Worker', previousWorker);
    else delete (globalThis as { Worker?: unknown }).Worker;
  }
}
