/**
 * A real redis-server (the Debian package) on a free loopback port, no daemon, no persistence:
 * what the queue tests and bench/queue.ts run against. Kill and restart keep the port, so a
 * coordinator and workers see "the same server, back again" (and, with persistence off, empty).
 */
import { execa, type ResultPromise } from 'execa';
import { freePort } from './free-port.ts';

export class RedisServer {
  private proc: ResultPromise | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const s = new RedisServer(await freePort());
    await s.restart();
    return s;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    // BullMQ wants noeviction: a job evicted under memory pressure would silently vanish.
    const args = [
      '--port',
      String(this.port),
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
