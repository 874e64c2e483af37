/**
 * Choosing the tfjs backend. One model code path runs on all of them; the backend is config.
 *
 * - `tensorflow`: @tensorflow/tfjs-node (native libtensorflow), an optional dependency. Its
 *   install downloads libtensorflow, which fails on machines without access to the bucket, so it
 *   is only used when present.
 * - `wasm`: @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD) plus our gradient kernels
 *   (./kernels/register.ts), which make it fast enough to train; one thread unless asked (./wasm.ts).
 * - `native`: the wasm backend with oneDNN kernels for convolutions, max-pooling and BatchNorm
 *   (./native/, the addon in native/ at the repository root), about three times faster to train.
 *   Optional: the addon builds during `npm ci` only where g++ and libdnnl-dev are present.
 * - `cpu`: the pure-JS reference backend: slow, used by tests as the ground truth.
 * - `auto`: native when its addon loads, else tensorflow when it can be imported, else wasm.
 */
import { z } from 'zod';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../../stage-api.ts';
import { nativeStatus } from './native/addon.ts';
import { registerNativeKernels } from './native/register.ts';
import { setNativeEnabled } from './native/wrap.ts';
import { registerWasmKernels } from './kernels/register.ts';
import { startWasm } from './wasm.ts';

export { wasmThreads } from './wasm.ts';

export const BackendNameSchema = z.enum(['auto', 'native', 'tensorflow', 'wasm', 'cpu']);
export type BackendName = z.infer<typeof BackendNameSchema>;

export const BackendOptionsSchema = z.object({
  /**
   * Threads for the wasm backend (default 1, at most 8: the pool tfjs pre-creates). Fixed at its
   * first start in a process, see ./wasm.ts. The native kernels use as many OpenMP threads.
   */
  threads: z.number().int().positive().optional(),
});
export type BackendOptions = z.infer<typeof BackendOptionsSchema>;

/** The backend names initBackend can return. */
export type ActiveBackend = 'native' | 'tensorflow' | 'wasm' | 'cpu';

async function importTfjsNode(): Promise<boolean> {
  // A variable specifier keeps TypeScript from requiring the optional package's types.
  const specifier = '@tensorflow/tfjs-node';
  try {
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

async function startTensorflow(required: boolean): Promise<boolean> {
  if (!(await importTfjsNode())) {
    if (!required) return false;
    throw new UserError(
      "backend 'tensorflow' needs the optional package @tensorflow/tfjs-node, which is not installed " +
        '(its install downloads libtensorflow, which fails on this machine). ' +
        "Use backend 'wasm' (or 'auto', which falls back to wasm).",
    );
  }
  if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend failed to initialise');
  return true;
}

/**
 * Starts the wasm backend with the native kernels switched on, or says in one line why it cannot
 * (the addon is not built, or a library it needs does not load).
 */
async function startNative(threads = 1): Promise<{ ok: true } | { ok: false; reason: string }> {
  const status = nativeStatus();
  if (!status.ok) return status;
  registerWasmKernels();
  registerNativeKernels(status.addon);
  status.addon.setThreads(Math.max(1, Math.floor(threads)));
  await startWasm(threads);
  setNativeEnabled(true);
  return { ok: true };
}

async function startPlainWasm(threads: number | undefined): Promise<void> {
  setNativeEnabled(false);
  await startWasm(threads);
}

/**
 * Why `auto` did not pick native in this process (one line, with how to enable it), or undefined
 * when it did or was not asked. The training run prints it.
 */
export function nativeUnavailableNotice(): string | undefined {
  return autoNotice;
}
let autoNotice: string | undefined;

/**
 * Makes `name` the tfjs backend of this process and returns the backend actually used.
 * Safe to call again; switching backends keeps tensors of the old one alive on it.
 */
export async function initBackend(name: BackendName, opts: BackendOptions = {}): Promise<ActiveBackend> {
  BackendOptionsSchema.parse(opts);
  switch (name) {
    case 'tensorflow':
      await startTensorflow(true);
      return 'tensorflow';
    case 'native': {
      const started = await startNative(opts.threads);
      if (!started.ok) throw new UserError(`backend 'native': ${started.reason}`);
      return 'native';
    }
    case 'auto': {
      const started = await startNative(opts.threads);
      if (started.ok) return 'native';
      autoNotice = `backend auto: not using native: ${started.reason}`;
      if (await startTensorflow(false)) return 'tensorflow';
      await startPlainWasm(opts.threads);
      return 'wasm';
    }
    case 'wasm':
      await startPlainWasm(opts.threads);
      return 'wasm';
    case 'cpu':
      if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
      // The cpu backend prints an "install tfjs-node to speed things up" banner on first use; it
      // is chosen deliberately here (a reference), so the banner would only mislead.
      (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
      return 'cpu';
  }
}
