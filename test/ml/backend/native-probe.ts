/**
 * Run as a child process by native-addon.test.ts (the addon is loaded once per process): asks for
 * backend 'native', then 'auto', and prints what happened as one JSON line.
 */
import { initBackend, nativeUnavailableNotice } from '../../../src/ml/backend/index.ts';
import { isUserError } from '../../../src/pipeline/errors.ts';

let native: { backend?: string; userError?: string };
try {
  native = { backend: await initBackend('native') };
} catch (e) {
  if (!isUserError(e)) throw e;
  native = { userError: e.message };
}
const auto = await initBackend('auto');
console.log(JSON.stringify({ native, auto, notice: nativeUnavailableNotice() ?? null }));
