/**
 * Which keys a remote already holds, asked the cheap way: a few keys by HEAD (in parallel), many
 * by listing their top folders, which returns a thousand keys per S3 request. An up-to-date push
 * of thousands of objects then costs a handful of requests instead of one per object (DVC's
 * weakness with many files).
 */
import type { RemoteStore } from './store.ts';
import { parallel, withRetry } from './store.ts';

/** Above this many keys a listing is cheaper than a HEAD each. */
const HEAD_AT_MOST = 64;

/** key -> size, for the `keys` present on the remote. */
export async function presentKeys(store: RemoteStore, keys: Iterable<string>, jobs: number): Promise<Map<string, number>> {
  const wanted = new Set(keys);
  const present = new Map<string, number>();
  if (wanted.size <= HEAD_AT_MOST || store.listable === false) {
    await parallel([...wanted], jobs, async (key) => {
      const size = await withRetry(() => store.head(key));
      if (size !== undefined) present.set(key, size);
    });
    return present;
  }
  const tops = new Set([...wanted].map((k) => `${k.split('/')[0]}/`));
  // files/ and runs/ are listed side by side: on S3 each is a chain of dependent page requests.
  await Promise.all(
    [...tops].map((top) =>
      withRetry(async () => {
        for await (const o of store.list(top)) if (wanted.has(o.key)) present.set(o.key, o.size);
      }),
    ),
  );
  return present;
}
