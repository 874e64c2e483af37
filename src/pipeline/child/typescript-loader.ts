/**
 * Set to true on globalThis by a TypeScript loader other than tsx that this process was started
 * with (the test processes' test/loader/register.mjs): such a process imports a stage's source as
 * it is, as under tsx, instead of building its bundle.
 */
const TYPESCRIPT_LOADER = Symbol.for('pipeline.typescript-loader');

/**
 * Stage modules are TypeScript. The runner registers tsx's loader only when it first has to
 * import one (an up-to-date run with a cached plan never does), since the loader's hooks slow
 * every later import down.
 */
let registered = process.execArgv.some((a) => a.includes('tsx')) || (globalThis as Record<symbol, unknown>)[TYPESCRIPT_LOADER] === true;

/** Whether this process imports TypeScript already (it was started under tsx, or registered it). */
export function hasTypeScriptLoader(): boolean {
  return registered;
}

export async function ensureTypeScriptLoader(): Promise<void> {
  if (registered) return;
  registered = true;
  const { register } = await import('tsx/esm/api');
  register();
}
