/**
 * `pipeline ui [--port N] [--host ADDR [--expose]] [--open] [--profile NAME]`: serves the dashboard
 * until interrupted. Loopback by default; any other address serves the project's results to
 * whoever can reach it, so it needs --expose and prints a warning.
 */
import { spawn } from 'node:child_process';
import { isIP } from 'node:net';
import { exitCodeOf, parseCommandArgs } from '../pipeline/command-kit.ts';
import { UserError } from '../pipeline/errors.ts';
import { profileRoot } from '../pipeline/profile-root.ts';

export const UI_USAGE = '  pipeline ui [--port N] [--host ADDR] [--expose] [--open] [--profile NAME]';
export const UI_HELP = `ui serves a live dashboard (experiments, curves, compare, grid, pipeline, report) at
http://127.0.0.1:8520/ until Ctrl-C; --port 0 picks a free port. A --host other than a loopback
address needs --expose (anyone who reaches it reads the project's results). See docs/ui.md.`;

export const DEFAULT_PORT = 8520;

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const stdio: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/**
 * The command: resolves when the server has stopped. `stop` (tests) replaces waiting for Ctrl-C;
 * `root` is the project (the current directory).
 */
export function uiCommand(args: string[], io: Io = stdio, root = process.cwd(), stop?: AbortSignal): Promise<number> {
  return exitCodeOf(async () => {
    const { values, positionals } = parseCommandArgs(args, {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      expose: { type: 'boolean', default: false },
      open: { type: 'boolean', default: false },
      profile: { type: 'string' },
    });
    if (positionals.length > 0) throw new UserError(`pipeline ui takes no arguments, got "${positionals.join(' ')}"`);
    const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError([{ field: '--port', message: `must be 0-65535, got "${values.port}"` }]);
    const host = values.host;
    if (!isLoopback(host) && !values.expose) {
      throw new UserError([
        { field: '--host', message: `${host} is not a loopback address: anyone who can reach it would read this project; add --expose to serve there anyway` },
      ]);
    }
    const ws = values.profile === undefined ? root : await profileRoot(root, values.profile);
    const [{ loadAssets }, { startUiServer }] = await Promise.all([import('./assets.ts'), import('./server.ts')]);
    let server;
    try {
      server = await startUiServer({ root: ws, projectRoot: root, profile: values.profile, host, port, assets: await loadAssets() });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE')
        throw new UserError([{ field: '--port', message: `port ${port} is in use (another pipeline ui?); choose another, or --port 0` }]);
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UserError([{ field: '--host', message: `cannot listen on ${host} (${code})` }]);
      throw e;
    }
    if (!isLoopback(host))
      io.err(`pipeline ui: warning: serving on ${host}, not loopback: anyone who can reach this address can read this project's results\n`);
    io.out(`pipeline ui: serving ${ws === root ? 'this project' : `profile ${values.profile}`} at ${server.url} (Ctrl-C to stop)\n`);
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
