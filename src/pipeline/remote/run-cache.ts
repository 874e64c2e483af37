/**
 * The shared run-cache for `pipeline run`: before a stale instance is computed, its fingerprint is
 * looked up on the remote, and a run found there is fetched (every object re-hashed) into the
 * local run-cache, from which the executor restores it as from any run of its own. Any trouble
 * with the remote only costs the reuse: the instance is computed as without a remote.
 */
import { RunCache } from '../state/cache.ts';
import type { Reporter } from '../events.ts';
import { formatProblems } from '../errors.ts';
import { readRecord, recordForOuts, runKey } from './layout.ts';
import { fetchRecordObjects } from './record-transfer.ts';
import { StoreError, type RemoteStore } from './store.ts';
import { boundedBytes } from './key-io.ts';

/** What the executor calls before it looks in the local run-cache. */
export type RemoteRunLookup = (fingerprint: string, id: string, outs: string[], reporter: Reporter) => Promise<void>;

/**
 * `open` runs at the first instance that needs the remote: an up-to-date run, or one whose stale
 * instances are all in the local run-cache, never loads the AWS SDK (0.5 s) or touches the network.
 */
export function remoteRunLookup(open: () => Promise<RemoteStore>, cacheDir: string): RemoteRunLookup & { close(): void } {
  const cache = new RunCache(cacheDir);
  let unavailable = false;
  let opened: Promise<RemoteStore> | undefined;
  const lookup = async (fingerprint: string, id: string, outs: string[], reporter: Reporter): Promise<void> => {
    if (unavailable || (await cache.get(fingerprint))) return;
    const log = (line: string): void => reporter.event({ type: 'log', id, line });
    const store = await (opened ??= open());
    try {
      const bytes = await boundedBytes(store, runKey(fingerprint));
      if (bytes.ok && !bytes.value) return;
      // Refused whole, with the reason (an unsafe path named): nothing of it is fetched or placed.
      const read = bytes.ok ? readRecord(bytes.value!) : bytes;
      const record = read.ok ? recordForOuts(read.value, outs) : read;
      if (!record.ok) {
        log(`remote run-cache not used: ${store.label}: record ${runKey(fingerprint)} refused: ${formatProblems(record.problems)}; the stage runs here`);
        return;
      }
      log(`found in the remote run-cache of ${store.label}: fetching its objects`);
      const fetched = await fetchRecordObjects(store, cache, record.value, (current, total) => {
        reporter.event({ type: 'progress', id, update: { step: 'fetching from the remote run-cache', current, total, unit: 'bytes' } });
      });
      if (!fetched.ok) {
        // Each problem names the store and the object (transfer.ts's toLocal).
        log(`remote run-cache not used: ${formatProblems(fetched.problems)}; the stage runs here`);
        return;
      }
      await cache.setRecord(fingerprint, record.value); // after its objects: the local cache's own rule
    } catch (e) {
      if (!(e instanceof StoreError)) throw e;
      // One unreachable remote should not cost every instance its retries.
      unavailable = true;
      log(`remote run-cache unavailable (${store.label}: ${e.message}); stages run here`);
    }
  };
  return Object.assign(lookup, { close: () => void opened?.then((s) => s.close()) });
}
