/** A configured remote, opened: its store, and failures turned into one located line for the user. */
import { UserError } from '../errors.ts';
import type { ConfiguredRemote } from './config.ts';
import { DirStore } from './dir-store.ts';
import { HttpStore } from './http-store.ts';
import { openS3Store } from './s3-store.ts';
import { StoreError, type RemoteStore } from './store.ts';
import { withRetry } from './store.ts';

export async function openStore(remote: ConfiguredRemote): Promise<RemoteStore> {
  const label = `remote ${remote.name} (${remote.spec.url})`;
  const loc = remote.location;
  if (loc.kind === 'dir') return new DirStore(label, loc.path);
  if (loc.kind === 'http') return new HttpStore(label, loc.url);
  return openS3Store(label, loc.bucket, loc.prefix, remote.spec);
}

/** Opens and probes: a remote that cannot be used at all is a one-line user error now, not mid-run. */
export async function openUsableStore(remote: ConfiguredRemote): Promise<RemoteStore> {
  const store = await openStore(remote);
  try {
    await withRetry(() => store.probe());
    return store;
  } catch (e) {
    store.close();
    throw asUserError(store, e);
  }
}

/**
 * The one place a store's failure (a StoreError: a UserError already) is said as the user sees it:
 * a remote failing for good (credentials, a bucket, a mount) is theirs to fix, one line naming the
 * remote, exit 2. Anything else is returned as it is (a bug, or a local disk's error).
 */
export function asUserError(store: RemoteStore, e: unknown): unknown {
  return e instanceof StoreError ? new UserError(`${store.label}: ${e.message}`) : e;
}

/** Runs a command's work against `store`, whose failures are the user's; closes it after. */
export async function userFacing<T>(store: RemoteStore, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw asUserError(store, e);
  } finally {
    store.close();
  }
}
