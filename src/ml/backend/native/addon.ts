/**
 * Loading the native addon (native/, oneDNN kernels built by `npm ci` where g++ and libdnnl-dev
 * are present). Loading never throws: the result says why the addon is unavailable, in one line a
 * user can act on, because under `backend: auto` that is a reason to use wasm, not an error.
 *
 * FASHION_NATIVE_ADDON names another build of the addon (tests use it to load a copy whose
 * library dependency is broken, which is how a machine without libdnnl looks at run time).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The addon's functions (native/src/*.cc). Each kernel returns false when oneDNN has no implementation for the shape. */
export interface NativeAddon {
  version(): string;
  /** The instruction set oneDNN dispatches for on this CPU ("avx512_core_bf16"): same one, same bits. */
  cpuIsa(): string;
  /** oneDNN's sgemm on an n x n x n problem at the current thread count: the best of `repeats` calls, GFLOP/s. */
  sgemmGflops(n?: number, repeats?: number): number;
  setThreads(n: number): void;
  convForward(x: Float32Array, filter: Float32Array, bias: Float32Array | null, y: Float32Array, dims: Int32Array): boolean;
  convBackwardData(dy: Float32Array, filter: Float32Array, dx: Float32Array, dims: Int32Array): boolean;
  convBackwardWeights(x: Float32Array, dy: Float32Array, dw: Float32Array, dims: Int32Array): boolean;
  maxPoolForward(x: Float32Array, y: Float32Array, dims: Int32Array): boolean;
  maxPoolBackward(x: Float32Array, dy: Float32Array, dx: Float32Array, dims: Int32Array): boolean;
  batchNormForward(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    y: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    dims: Int32Array,
    epsilon: number,
  ): boolean;
  batchNormBackward(
    x: Float32Array,
    dy: Float32Array,
    y: Float32Array,
    gamma: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    dx: Float32Array,
    dgamma: Float32Array,
    dbeta: Float32Array,
    dims: Int32Array,
    epsilon: number,
  ): boolean;
}

export type NativeStatus = { ok: true; addon: NativeAddon; file: string } | { ok: false; reason: string };

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const defaultAddonFile = path.join(repoRoot, 'native', 'build', 'Release', 'fashion_native.node');

export const HOW_TO_ENABLE = 'to enable it: apt-get install g++ libdnnl-dev, then npm run build:native';

/** "libdnnl.so.2: cannot open shared object file: ..." -> the library's name, if the message has one. */
function missingLibrary(message: string): string | undefined {
  return /([\w.+-]+\.so(?:\.\d+)*)/.exec(message)?.[1];
}

function load(file: string): NativeStatus {
  if (!existsSync(file)) {
    return { ok: false, reason: `the native backend is not built (${path.relative(process.cwd(), file) || file} is missing); ${HOW_TO_ENABLE}` };
  }
  let addon: NativeAddon;
  try {
    addon = require(file) as NativeAddon;
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    const library = missingLibrary(message.replace(file, ''));
    const what = library ? `cannot load ${library}` : 'cannot be loaded';
    return { ok: false, reason: `the native backend ${what} (${message}); ${HOW_TO_ENABLE}` };
  }
  return { ok: true, addon, file };
}

let status: NativeStatus | undefined;

/** The addon of this process, loaded on first use. */
export function nativeStatus(): NativeStatus {
  status ??= load(process.env['FASHION_NATIVE_ADDON'] ?? defaultAddonFile);
  return status;
}
