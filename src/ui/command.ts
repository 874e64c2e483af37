/**
 * `pipeline ui [--port N] [--host ADDR [--expose]] [--open] [--profile NAME]`: serves the dashboard
 * until interrupted. Loopback by default; any other address serves the project's results to
 * whoever can reach it, so it needs --expose and prints a warning.
 */
import { spawn } from 'node:child_process';
import { isIP } from 'node:net';
import { exitCodeOf, type CommandArgs, type Io } from '../pipeline/cli/command-kit.ts';
import { locate } from '../pipeline/cli/commands/workspace.ts';
import { UserError } from '../pipeline/errors.ts';
import { profileRoot } from '../pipeline/workspace/profile-root.ts';

export const DEFAULT_PORT = 8520;

/** The command (its options: cli/command-table.ts); resolves when the server has stopped. `stop` (tests) replaces waiting for Ctrl-C. */
export function uiCommand(args: CommandArgs, io: Io, stop?: AbortSignal): Promise<number> {
  return exitCodeOf(async () => {
    const { values, positionals } = args;
    if (positionals.length > 0) throw new UserError(`pipeline ui takes no arguments, got "${positionals.join(' ')}"`);
    const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError([{ field: '--port', message: `must be 0-65535, got "${values.port}"` }]);
    const host = values.host ?? '127.0.0.1';
    if (!isLoopback(host) && !values.expose) {
      throw new UserError([
        { field: '--host', message: `${host} is not a loopback address: anyone who can reach it would read this project; add --expose to serve there anyway` },
      ]);
    }
    const place = await locate(args.cwd, values.profile);
    const root = place.projectRoot;
    const ws = place.profile === undefined ? root : await profileRoot(root, place.profile);
    const [{ loadAssets }, { startUiServer }] = await Promise.all([import('./assets.ts'), import('./server.ts')]);
    let server;
    try {
      server = await startUiServer({ root: ws, projectRoot: root, profile: place.profile, host, port, assets: await loadAssets() });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE')
        throw new UserError([{ field: '--port', message: `port ${port} is in use (another pipeline ui?); choose another, or --port 0` }]);
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UserError([{ field: '--host', message: `cannot listen on ${host} (${code})` }]);
      throw e;
    }
    if (!isLoopback(host))
      io.err(`pipeline ui: warning: serving on ${host}, not loopback: anyone who can reach this address can read this project's results\n`);
    io.out(`pipeline ui: serving ${ws === root ? 'this project' : `profile ${place.profile}`} at ${server.url} (Ctrl-C to stop)\n`);
    if (values.open) openBrowser(server.url, io);
    await untilStopped(stop);
    await server.close();
    return 0;
  }, io.err);
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

function untilStopped(stop: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    if (stop) {
      if (stop.aborted) return resolve();
      stop.addEventListener('abort', done, { once: true });
    }
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

function openBrowser(url: string, io: Io): void {
  const child = spawn(process.platform === 'darwin' ? 'open' : 'xdg-open', [url], { stdio: 'ignore', detached: true });
  child.on('error', () => io.err(`pipeline ui: could not open a browser (xdg-open); open ${url} yourself\n`));
  child.unref();
}
