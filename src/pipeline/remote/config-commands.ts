/**
 * `pipeline remote add [-d] NAME URL`, `remote list`, `remote remove NAME`, the way `dvc remote`
 * manages them: the untracked local config by default, pipeline.yaml with --project. Edits keep
 * the file's comments and layout (a YAML document edit, not a re-dump).
 */
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isErrno, UserError } from '../errors.ts';
import { editProjectFile, PIPELINE_FILE } from '../spec/project-file.ts';
import type { YamlDocument } from '../spec/yaml-file.ts';
import { editLocalConfig } from '../workspace/local-config.ts';
import { LOCAL_CONFIG_FILE, loadRemoteConfig, readRemotesOf, type ConfigScope } from './config.ts';
import { parseRemoteUrl, REMOTE_NAME_RE, RemoteSpecSchema, type RemoteSpec } from './schema.ts';

export interface RemoteCommandOptions {
  project: boolean;
  makeDefault: boolean;
  /** A directory remote that does not exist is made (else refused). */
  create: boolean;
  endpoint: string | undefined;
  pathStyle: boolean | undefined;
  region: string | undefined;
}

export async function remoteCommand(root: string, args: string[], opts: RemoteCommandOptions, print: (line: string) => void): Promise<number> {
  const [sub, ...rest] = args;
  const scope: ConfigScope = opts.project ? 'project' : 'local';
  switch (sub) {
    case 'add': {
      const [name, url, ...extra] = rest;
      if (!name || !url || extra.length > 0)
        throw new UserError('usage: pipeline remote add [-d] [--project] [--create] NAME URL [--endpoint URL] [--path-style] [--region R]');
      const created = await addRemote(root, scope, name, url, opts);
      print(`remote ${name} added to ${scopeFile(scope)}${opts.makeDefault ? ' as the default' : ''}${created ? ` (${created} created)` : ''}`);
      return 0;
    }
    case 'remove': {
      const [name, ...extra] = rest;
      if (!name || extra.length > 0) throw new UserError('usage: pipeline remote remove [--project] NAME');
      await removeRemote(root, scope, name);
      print(`remote ${name} removed from ${scopeFile(scope)}`);
      return 0;
    }
    case 'list': {
      const config = await loadRemoteConfig(root);
      if (config.remotes.size === 0) print('no remotes (add one with `pipeline remote add -d NAME URL`)');
      for (const r of config.remotes.values()) {
        const options = [
          r.spec.endpoint && `endpoint ${r.spec.endpoint}`,
          r.spec.path_style !== undefined && `path_style ${r.spec.path_style}`,
          r.spec.region && `region ${r.spec.region}`,
        ].filter(Boolean);
        const flags = [r.name === config.defaultName ? 'default' : undefined, scopeFile(r.scope as ConfigScope)].filter(Boolean);
        print(`${r.name}\t${r.spec.url}${options.length ? `\t${options.join(', ')}` : ''}\t(${flags.join(', ')})`);
      }
      return 0;
    }
    default:
      throw new UserError(`unknown remote command "${sub ?? ''}": use add, list or remove`);
  }
}

function scopeFile(scope: ConfigScope): string {
  return scope === 'project' ? PIPELINE_FILE : LOCAL_CONFIG_FILE;
}

/** Adds the remote; answers the directory it created (--create), if any. */
async function addRemote(root: string, scope: ConfigScope, name: string, url: string, opts: RemoteCommandOptions): Promise<string | undefined> {
  if (!REMOTE_NAME_RE.test(name))
    throw new UserError([{ field: 'NAME', message: `"${name}": remote names start with a letter and hold letters, digits, "-" and "_"` }]);
  const spec: RemoteSpec = { url, ...(opts.makeDefault ? { default: true } : {}) };
  if (opts.endpoint !== undefined) spec.endpoint = opts.endpoint;
  if (opts.pathStyle !== undefined) spec.path_style = opts.pathStyle;
  if (opts.region !== undefined) spec.region = opts.region;
  const checked = RemoteSpecSchema.safeParse(spec);
  if (!checked.success) {
    const flag = (p: PropertyKey | undefined): string => (p === 'url' ? 'URL' : p === 'path_style' ? '--path-style' : `--${String(p)}`);
    throw new UserError(checked.error.issues.map((i) => ({ field: flag(i.path[0]), message: i.message })));
  }
  const created = await checkDirectory(root, url, opts.create);
  await editFile(root, scope, (doc) => {
    if (opts.makeDefault) {
      // One default per file: the new one replaces the old (the section was checked, so its keys are names).
      const section = (doc.toJS() as { remotes?: Record<string, unknown> | null } | null)?.remotes;
      for (const other of Object.keys(section ?? {})) doc.deleteIn(['remotes', other, 'default']);
    }
    doc.setIn(['remotes', name], doc.createNode(checked.data));
  });
  return created;
}

/**
 * A directory remote that is not there now would only fail at the first push (the store refuses
 * to recreate a missing root, which may be an unmounted drive): refused here, or made with
 * --create. Answers the directory made, if any.
 */
async function checkDirectory(root: string, url: string, create: boolean): Promise<string | undefined> {
  const loc = parseRemoteUrl(url)!;
  if (loc.kind !== 'dir') {
    if (create) throw new UserError([{ field: '--create', message: 'applies only to a directory remote' }]);
    return undefined;
  }
  const abs = path.resolve(root, loc.path);
  const shown = abs === loc.path ? abs : `${loc.path} (${abs})`;
  const st = await stat(abs).catch((e: unknown) => {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw new UserError([{ field: 'URL', message: `cannot read ${shown}: ${(e as Error).message}` }]);
  });
  if (st?.isDirectory()) return undefined;
  if (st) throw new UserError([{ field: 'URL', message: `${shown} is not a directory` }]);
  if (!create) throw new UserError([{ field: 'URL', message: `${shown} does not exist (mount the drive, or add --create to make it)` }]);
  try {
    await mkdir(abs, { recursive: true });
  } catch (e) {
    throw new UserError([{ field: 'URL', message: `cannot create ${shown}: ${(e as Error).message}` }]);
  }
  return abs;
}

async function removeRemote(root: string, scope: ConfigScope, name: string): Promise<void> {
  const existing = await readRemotesOf(root, scope);
  if (!(name in existing)) {
    const other = scope === 'local' ? 'project' : 'local';
    const there = name in (await readRemotesOf(root, other));
    throw new UserError([
      {
        field: 'NAME',
        message: `no remote "${name}" in ${scopeFile(scope)}${there ? ` (it is in ${scopeFile(other)}${other === 'project' ? ': add --project' : ': leave out --project'})` : ''}`,
      },
    ]);
  }
  await editFile(root, scope, (doc) => {
    doc.deleteIn(['remotes', name]);
  });
}

/** Applies `edit` to the scope's file, keeping its comments; the remotes it has now are checked first, as a load would. */
function editFile(root: string, scope: ConfigScope, edit: (doc: YamlDocument) => void): Promise<void> {
  return scope === 'project' ? editProjectFile(root, () => readRemotesOf(root, scope), edit) : editLocalConfig(root, edit);
}
