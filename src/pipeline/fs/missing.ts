/**
 * "Not there" as a value, and nothing else: a path that does not exist (ENOENT, or ENOTDIR for a
 * path below a file) reads as absent; a permission or I/O error (EACCES, EIO, EISDIR) is thrown,
 * so that an output or cache record out of reach is never taken for a missing one.
 */
import { stat } from 'node:fs/promises';
import { isErrno } from '../errors.ts';

export function isMissing(e: unknown): boolean {
  return isErrno(e, 'ENOENT', 'ENOTDIR');
}

/** The value of `read`, or `absent` when the path it reads is not there. */
export async function unlessMissing<T, A>(read: Promise<T>, absent: A): Promise<T | A> {
  try {
    return await read;
  } catch (e) {
    if (isMissing(e)) return absent;
    throw e;
  }
}

/** Whether `p` exists (a file, a folder, or what a link points at). */
export function pathExists(p: string): Promise<boolean> {
  return unlessMissing(
    stat(p).then(() => true),
    false,
  );
}
