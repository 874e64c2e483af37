/**
 * Starting tfjs-backend-wasm under Node.
 *
 * - Where the .wasm files are: in Node the Emscripten loader would look next to the script that
 *   loaded it, which is not where npm puts them once bundled or run through tsx, so we point
 *   `setWasmPaths` at the package's own `dist/` folder (resolved through node's resolver, so it
 *   follows whatever node_modules layout npm chose).
 * - Threads: upstream runs the single-threaded SIMD build under Node (it reports no multithread
 *   support there). With `threads > 1` we start the threaded SIMD build instead, through the
 *   shims of ./wasm-threads.ts; XNNPACK then splits convolutions and matrix products across that
 *   many threads. The default is 1: the pipeline runs one training process per core, and on a
 *   busy machine a second thread only adds contention (measured on this 2-core machine at load
 *   ~10: 1 thread 133 images/s, 2 threads 92; at load ~8 one Table 2 step took 380 ms with one
 *   thread and 265 ms with two, identical losses).
 * - The choice is made once per process, at the first initialisation; later calls reuse it.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from './kernels/register.ts';
import { withThreadShims } from './wasm-threads.ts';

const require = createRequire(import.meta.url);
let started = false;

export function wasmDistDir(): string {
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
}

/** Threads the wasm backend of this process runs (1 until it is started). */
export function wasmThreads(): number {
  return started ? Math.max(1, getThreadsCount()) : 1;
}

/** tfjs pre-creates 8 pthread workers; its C++ side caps the pool there too. */
const MAX_THREADS = 8;

export async function startWasm(requested = 1): Promise<void> {
  const threads = Math.min(Math.max(1, Math.floor(requested)), MAX_THREADS);
  registerWasmKernels();
  if (!started) {
    setWasmPaths(wasmDistDir());
    if (threads > 1) {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
      setThreadsCount(threads);
      const ok = await withThreadShims(threads, () => tf.setBackend('wasm'));
      if (!ok) throw new Error('the wasm backend failed to initialise');
      started = true;
      return;
    }
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
  started = true;
}
