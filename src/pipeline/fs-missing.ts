/**
 * "Not there" as a value, and nothing else: a path that does not exist (ENOENT, or ENOTDIR for a
 * path below a file) reads as absent; a permission or I/O error (EACCES, EIO, EISDIR) is thrown,
 * so that an output or cache record out of reach is never taken for a missing one.
 */
import { isErrno } from './errors.ts';

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
