/**
 * The queue executor's settings: the `queue:` section of .pipeline/config.yaml (this machine's
 * own), overridden by the command line (--executor, --redis). Types come from the schema.
 */
import * as z from 'zod';
import { UserError } from '../errors.ts';

export const REDIS_URL_RE = /^rediss?:\/\/[^/\s]+(\/\d+)?$/;
const redisUrl = z.string().regex(REDIS_URL_RE, 'must be redis://host:port (or rediss:// for TLS), optionally with /db');

export const QueueSectionSchema = z.strictObject({
  /** The Redis server the coordinator and every worker share. */
  redis: redisUrl.optional(),
  /** The BullMQ queue's name: coordinators and workers of one project agree on it. */
  name: z
    .string()
    .regex(/^[A-Za-z][\w-]*$/, 'letters, digits, "-" and "_", starting with a letter')
    .default('pipeline'),
  /** Runs of an instance before it counts as failed (a stage that fails is retried attempts - 1 times). */
  attempts: z.int().min(1).max(20).default(2),
  /**
   * How long a worker's hold on a job lasts without renewal. A worker that dies is noticed after
   * about this long, and its job goes to another worker.
   */
  lock_seconds: z.number().min(1).max(3600).default(30),
  /** How often a worker sends a running instance's scratch directory (its checkpoints) to the remote. */
  scratch_sync_seconds: z.number().min(0.2).max(3600).default(30),
});
export type QueueSection = z.infer<typeof QueueSectionSchema>;

export interface QueueSettings extends Omit<QueueSection, 'redis'> {
  redis: string;
}

/** The defaults, for a machine whose local config has no queue section. */
export const DEFAULT_QUEUE_SECTION: QueueSection = QueueSectionSchema.parse({});

/** Where a Redis URL (with its password, if any) comes from when neither --redis nor the local config names one. */
export const REDIS_URL_ENV = 'REDIS_URL';

/**
 * The settings in force: `--redis` over the local config over $REDIS_URL; a URL is required. A
 * password belongs in the environment ($REDIS_URL, or $REDIS_PASSWORD beside a URL without one):
 * on a command line every user of the machine sees it (ps), so one there is warned about.
 */
export function queueSettings(section: QueueSection | undefined, redisFlag: string | undefined, command: string): QueueSettings {
  const s = section ?? DEFAULT_QUEUE_SECTION;
  if (redisFlag !== undefined && !REDIS_URL_RE.test(redisFlag)) {
    throw new UserError([{ field: '--redis', message: `must be redis://host:port (or rediss://), got "${withoutPassword(redisFlag)}"` }]);
  }
  if (redisFlag !== undefined && /^rediss?:\/\/[^@/]*:[^@/]*@/.test(redisFlag)) {
    process.stderr.write(
      `pipeline: warning: --redis holds a password, which every user of this machine can read (ps); set ${REDIS_URL_ENV} or REDIS_PASSWORD in the environment instead\n`,
    );
  }
  const fromEnv = process.env[REDIS_URL_ENV]?.trim() || undefined;
  if (redisFlag === undefined && s.redis === undefined && fromEnv !== undefined && !REDIS_URL_RE.test(fromEnv)) {
    throw new UserError([{ field: REDIS_URL_ENV, message: `must be redis://host:port (or rediss://), got "${withoutPassword(fromEnv)}"` }]);
  }
  const redis = redisFlag ?? s.redis ?? fromEnv;
  if (!redis) {
    throw new UserError([
      { field: '--redis', message: `pipeline ${command} needs a Redis server: give --redis redis://host:port or set queue.redis in .pipeline/config.yaml` },
    ]);
  }
  return { ...s, redis };
}

/** A URL as a message may show it: whatever stands between "//" and "@" is credentials. */
export function withoutPassword(url: string): string {
  return url.replace(/^([a-z]+:\/\/)[^@/]*@/i, '$1***@');
}
