/**
 * The digest of a stage's code file as a program, not as text: esbuild strips the comments, the
 * whitespace and the TypeScript types, and the rest is hashed. Editing a comment, reformatting a
 * file or changing a type annotation leaves every instance of the stage fresh (retraining a grid
 * because a docstring changed costs hours); any change to what runs (a literal, a name, a call)
 * makes it stale. esbuild is pinned exactly in package.json: another version may print the same
 * program differently, which would make every stage stale by code once.
 */
import { createHash } from 'node:crypto';

const LOADERS: Record<string, 'ts' | 'tsx' | 'js' | 'jsx'> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
  '.jsx': 'jsx',
};

export async function codeDigest(text: string, file: string): Promise<string> {
  const loader = LOADERS[file.slice(file.lastIndexOf('.'))];
  let program = text;
  if (loader) {
    // Loaded on first use: an up-to-date run finds every digest in the stat cache.
    const { transform } = await import('esbuild');
    try {
      program = (await transform(text, { loader, minifyWhitespace: true, legalComments: 'none', sourcefile: file })).code;
    } catch {
      // Not valid code: the stage fails when it loads and says where; its text is its digest.
    }
  }
  return createHash('sha256')
    .update(`${loader ?? 'text'}\0${program}`)
    .digest('hex');
}
