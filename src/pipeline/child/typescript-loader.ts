/**
 * Stage modules are TypeScript. The runner registers tsx's loader only when it first has to
 * import one (an up-to-date run with a cached plan never does), since the loader's hooks slow
 * every later import down.
 */
let registered = process.execArgv.some((a) => a.includes('tsx'));

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
