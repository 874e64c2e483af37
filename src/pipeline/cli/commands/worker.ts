/** `pipeline worker`: take queue jobs in this checkout until stopped. */
import { lineOf, type CommandArgs, type Io } from '../command-kit.ts';
import { locate } from './workspace.ts';

export async function workerCommand(args: CommandArgs, io: Io): Promise<number> {
  const v = args.values;
  const { projectRoot } = await locate(args.cwd, undefined);
  // Loaded on demand: every other command would pay for BullMQ.
  const { workerCommand: work } = await import('../../queue/worker.ts');
  return work(projectRoot, { concurrency: v.concurrency, redis: v.redis, remoteName: v['remote-name'], name: v.name }, lineOf(io.out));
}
