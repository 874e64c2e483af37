/**
 * One run record's content between the local run-cache and a remote, through the same phased
 * transfer as push and fetch (transfer.ts: objects, then directory manifests, then the run record
 * that names them, when a fingerprint is given). The queue executor moves single instances this
 * way: a worker sends what it made, the coordinator sends the upstream outputs a job reads, each
 * side fetches the other's; the remote run-cache fetches a record's objects before filing it.
 */
import type { RunCache, RunRecord } from '../state/cache.ts';
import { fail, formatProblems, succeed, type Result } from '../errors.ts';
import { recordShipment } from './collect.ts';
import type { RemoteStore } from './store.ts';
import { toLocal, toRemote, transfer, type TransferOptions } from './transfer.ts';

/** Objects of one instance moved at once. */
const JOBS_PER_INSTANCE = 4;

/** A single record's transfer prints nothing of its own; its caller reports it. */
function quietly(onBytes?: TransferOptions['onBytes']): TransferOptions {
  return { jobs: JOBS_PER_INSTANCE, progress: 'silent', print: () => {}, warn: () => {}, ...(onBytes ? { onBytes } : {}) };
}

/**
 * Sends `record`'s objects the remote lacks and its manifests; then its run record under
 * `fingerprint`, if given. Objects are read from the local cache, else from `workspace` (the
 * record's outs lie there). Every object is re-hashed as it is read, so nothing the record does not
 * name reaches the remote: content that changed under the upload throws (a bug or an intruder, not
 * the user's mistake).
 */
export async function uploadRecord(
  store: RemoteStore,
  cache: RunCache,
  record: RunRecord,
  opts: { fingerprint?: string; workspace?: string } = {},
): Promise<void> {
  const shipment = await recordShipment(cache, record, opts);
  if (!shipment.ok) throw new Error(formatProblems(shipment.problems));
  const sent = await transfer(shipment.value, toRemote(store, false), quietly());
  if (sent.problems.length > 0) throw new Error(formatProblems(sent.problems));
}

/**
 * Brings the objects of `record` that the local cache lacks, each re-hashed on arrival. Fails
 * naming every object that is missing or corrupt on the remote (then the record is not usable).
 * The record itself is the caller's to file, once it has checked it against what it expected.
 */
export async function fetchRecordObjects(
  store: RemoteStore,
  cache: RunCache,
  record: RunRecord,
  onBytes: (got: number, total: number) => void,
): Promise<Result<void>> {
  const shipment = await recordShipment(cache, record);
  if (!shipment.ok) return shipment;
  const fetched = await transfer(shipment.value, toLocal(store, cache), quietly(onBytes));
  // A record with an object missing is not usable at all: here the transfer's problems fail it.
  return fetched.problems.length > 0 ? fail(fetched.problems) : succeed(undefined);
}
