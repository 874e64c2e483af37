/** The queue executor, as the registry lists it: `--executor queue` with `--redis` and a `queue:` section of .pipeline/config.yaml. */
import type { ExecutorDeclaration } from '../executors/declaration.ts';

export const queueExecutor = {
  name: 'queue',
  where: 'on queue workers',
  flags: {
    redis: { type: 'string', value: 'URL', help: 'the Redis server of the queue, redis://host:port (default: queue.redis in .pipeline/config.yaml)' },
  },
  // Machine-local only: the section names a Redis server, which may carry a password.
  settings: async () => ({ section: (await import('./settings.ts')).QueueSectionSchema }),
  open: async (ctx) => (await import('./open.ts')).openQueueExecutor(ctx),
} as const satisfies ExecutorDeclaration;
