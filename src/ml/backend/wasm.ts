/**
 * Starting tfjs-backend-wasm under Node.
 *
 * - Where the .wasm files are: in Node the Emscripten loader would look next to the script that
 *   loaded it, which is not where npm puts them once bundled or run through tsx, so we point
 *   `setWasmPaths` at the package's own `dist/` folder (resolved through node's resolver, so it
 *   follows whatever node_modules layout npm chose).
 * - Threads: tfjs forces the `WASM_HAS_MULTITHREAD_SUPPORT` flag to false under Node
 *   (tensorflow/tfjs#3830: its pthread workers are created from a blob: URL, which Node's
 *   worker_threads refuse), so in Node the backend runs the SIMD, single-threaded build whatever
 *   `setThreadsCount` says. We accept `threads` and report it as unused; a process gets more
 *   throughput from running more processes (the train stage's --jobs), one per core.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from './kernels/register.ts';

const require = createRequire(import.meta.url);
let pathsSet = false;

export function wasmDistDir(): string {
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
}

export async function startWasm(): Promise<void> {
  registerWasmKernels();
  if (!pathsSet) {
    setWasmPaths(wasmDistDir());
    pathsSet = true;
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to initialise');
}
