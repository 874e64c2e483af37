/**
 * docs/cli.md: hand-written parts (how to call the CLI, how to add a command) around a generated
 * part that holds the global help and every command's help exactly as the CLI prints them. A test
 * fails when the file is stale; `npm run docs:cli` regenerates it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from '../command-table.ts';
import { commandHelp, usage } from './help.ts';

export const DOC_FILE = 'docs/cli.md';
const BEGIN = '<!-- Generated from the command table (src/pipeline/cli/command-table.ts) by `npm run docs:cli`; edit the table, not this part. -->';
const END = '<!-- End of the generated part. -->';

/** The generated part of docs/cli.md: the global help and each command's, as the CLI prints them. */
export function generatedReference(): string {
  const parts = [BEGIN, '', '## pipeline --help', '', '```text', usage(), '```'];
  for (const name of Object.keys(COMMANDS)) parts.push('', `## pipeline ${name}`, '', '```text', commandHelp(name), '```');
  parts.push('', END);
  return parts.join('\n');
}

/** docs/cli.md with its generated part replaced (the hand-written parts around it kept). */
export function withReference(doc: string): string {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) return `${doc.trimEnd()}\n\n${generatedReference()}\n`;
  return `${doc.slice(0, start)}${generatedReference()}${doc.slice(end + END.length)}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  const file = path.join(fileURLToPath(new URL('../../../..', import.meta.url)), DOC_FILE);
  const doc = await readFile(file, 'utf8').catch(() => '# The command line\n');
  await writeFile(file, withReference(doc));
  process.stdout.write(`${DOC_FILE} regenerated from the command table\n`);
}
