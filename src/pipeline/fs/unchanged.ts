/**
 * A value made from one file, kept for the rest of the process while the file stays as it was
 * (the same size, modification time and inode, or still absent). Several parts of one command ask
 * for pipeline.yaml and .pipeline/config.yaml; each is read and checked once, and again only after
 * an edit. A value that failed to be made is not kept: the next call tries again.
 */
import { stat } from 'node:fs/promises';

export type FileMemo<T> = Map<string, { key: string; value: Promise<T> }>;

export async function whileUnchanged<T>(memo: FileMemo<T>, file: string, make: () => Promise<T>): Promise<T> {
  const st = await stat(file).catch(() => undefined);
  const key = st ? `${st.size}:${st.mtimeMs}:${st.ino}` : 'absent';
  const known = memo.get(file);
  if (known && known.key === key) return known.value;
  const value = make();
  const kept = { key, value };
  memo.set(file, kept);
  value.catch(() => {
    if (memo.get(file) === kept) memo.delete(file);
  });
  return value;
}
