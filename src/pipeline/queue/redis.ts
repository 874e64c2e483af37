/**
 * Connections to the shared Redis server, as BullMQ takes them (ioredis options). A coordinator
 * gives up after a few seconds without Redis (it must fail clearly and exit, the rerun completes);
 * a worker keeps trying for as long as it lives (Redis coming back is the normal end of an outage),
 * unless Redis refuses its password or user: then it stops with one line, exit 2 (worker.ts).
 */
import type { RedisOptions } from 'bullmq';
import { UserError } from '../errors.ts';
import { withoutPassword } from './settings.ts';

/** The Redis password, for a URL (from --redis or the local config) that holds none. */
export const REDIS_PASSWORD_ENV = 'REDIS_PASSWORD';

/** How long a coordinator waits for an unreachable Redis before it stops the run. */
export const COORDINATOR_PATIENCE_MS = 5000;

/** Replies that no retry changes (a missing or wrong password, a user without the rights). */
export function isRefusal(e: Error): boolean {
  return /\b(NOAUTH|WRONGPASS|NOPERM)\b/.test(e.message);
}

/**
 * `refused`: whether a connection was refused (isRefusal); a coordinator then stops at once
 * instead of retrying for COORDINATOR_PATIENCE_MS, since the password will not change meanwhile.
 */
export function redisOptions(url: string, role: 'coordinator' | 'worker', refused: () => boolean = () => false): RedisOptions {
  const u = new URL(url);
  const base: RedisOptions = {
    host: u.hostname,
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    // The environment's password serves a URL without one: it never has to be on a command line.
    password: u.password ? decodeURIComponent(u.password) : process.env[REDIS_PASSWORD_ENV] || undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    // BullMQ's blocking connections require it; a lost connection is handled by retryStrategy.
    maxRetriesPerRequest: null,
    connectTimeout: 3000,
  };
  if (role === 'worker') return { ...base, retryStrategy: (times: number) => Math.min(250 * times, 2000) };
  let firstFailure: number | undefined;
  return {
    ...base,
    retryStrategy: () => {
      firstFailure ??= Date.now();
      return refused() || Date.now() - firstFailure > COORDINATOR_PATIENCE_MS ? null : 500;
    },
  };
}

/** The URL without its password, for messages. */
export function shownRedis(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return withoutPassword(url);
  }
}

/** What a refused password or user (isRefusal) asks of the user, for the coordinator and the worker alike. */
export const REFUSAL_FIX = `give the right password in ${REDIS_PASSWORD_ENV} (or the queue's URL)`;

/** Redis answered but refused the password or user (isRefusal): starting it again would not help. */
export function redisRefused(url: string, why: string, during: string): UserError {
  return new UserError([
    {
      field: 'redis',
      message: `${during}: Redis at ${shownRedis(url)} refused the connection (${why}); ${REFUSAL_FIX}, then run again: what finished is kept`,
    },
  ]);
}

export function redisUnreachable(url: string, why: string, during: string): UserError {
  return new UserError([
    {
      field: 'redis',
      message: `${during}: Redis at ${shownRedis(url)} is unreachable (${why}); start it (redis-server --port N) or fix --redis / queue.redis in .pipeline/config.yaml, then run again: what finished is kept`,
    },
  ]);
}
