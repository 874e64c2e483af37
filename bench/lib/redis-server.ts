/**
 * A real redis-server (the Debian package) on a free loopback port, no daemon, no persistence:
 * what the queue tests and bench/queue.ts run against. Kill and restart keep the port, so a
 * coordinator and workers see "the same server, back again" (and, with persistence off, empty).
 */
import { execa, type ResultPromise } from 'execa';
import { freePort } from './free-port.ts';

export interface RedisOptions {
  /** A config file read first (a password there stays off the command line, where ps shows it). */
  configFile?: string;
  /** Serve TLS only (the plain port off), with this certificate. */
  tls?: { cert: string; key: string };
}

export class RedisServer {
  private proc: ResultPromise | undefined;
  private constructor(
    readonly port: number,
    private readonly options: RedisOptions,
  ) {}

  static async start(options: RedisOptions = {}): Promise<RedisServer> {
    const s = new RedisServer(await freePort(), options);
    await s.restart();
    return s;
  }

  get url(): string {
    return `${this.options.tls ? 'rediss' : 'redis'}://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    const { configFile, tls } = this.options;
    const listen = tls
      ? ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key]
      : ['--port', String(this.port)];
    const tlsClients = tls ? ['--tls-ca-cert-file', tls.cert, '--tls-auth-clients', 'no'] : [];
    // BullMQ wants noeviction: a job evicted under memory pressure would silently vanish.
    const args = [
      ...(configFile ? [configFile] : []),
      ...listen,
      ...tlsClients,
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
      '--daemonize',
      'no',
    ];
    const proc = execa('redis-server', args, { reject: false, buffer: false });
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      proc.stdout!.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.includes('Ready to accept connections')) resolve();
      });
      void proc.then((r) => reject(new Error(`redis-server exited (${r.exitCode}): ${seen.slice(-500)}`)));
    });
  }

  /** SIGKILL: a crashed server or a cut network; its data (in memory only) is gone. */
  async kill(): Promise<void> {
    this.proc?.kill('SIGKILL');
    await this.proc;
    this.proc = undefined;
  }

  stop(): Promise<void> {
    return this.kill();
  }
}
