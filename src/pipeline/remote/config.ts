/**
 * The remotes this project can use, from three places, later ones winning: pipeline.yaml
 * (`remotes:`, shared through git), .pipeline/config.yaml (this machine's own, untracked) and the
 * PIPELINE_REMOTE environment variable (a remote's name, or a URL used as is). Problems are
 * located at file:line:column with the field, like the rest of the spec.
 */
import path from 'node:path';
import { UserError, type Problem } from '../errors.ts';
import { ProjectFile, valueOrThrow } from '../spec/project-file.ts';
import { LOCAL_CONFIG_FILE, readLocalConfig } from '../workspace/local-config.ts';
import { parseRemoteUrl, RemotesSchema, REMOTE_NAME_RE, type RemoteLocation, type RemoteSpec, type Remotes } from './schema.ts';

export { LOCAL_CONFIG_FILE };
export const REMOTE_ENV = 'PIPELINE_REMOTE';

export type ConfigScope = 'project' | 'local';

export interface ConfiguredRemote {
  name: string;
  spec: RemoteSpec;
  location: RemoteLocation;
  /** Where it was set; a local entry overrides a project one of the same name. */
  scope: ConfigScope | 'env';
}

export interface RemoteConfig {
  remotes: Map<string, ConfiguredRemote>;
  defaultName: string | undefined;
}

/** The remotes section of one file, validated; absent file or section -> {}. */
export async function readRemotesOf(root: string, scope: ConfigScope): Promise<Remotes> {
  if (scope === 'local') return (await readLocalConfig(root)).remotes;
  const remotes = valueOrThrow(valueOrThrow(await ProjectFile.read(root)).section(['remotes'], RemotesSchema));
  return remotes ?? {};
}

export async function loadRemoteConfig(root: string): Promise<RemoteConfig> {
  const remotes = new Map<string, ConfiguredRemote>();
  let defaultName: string | undefined;
  for (const scope of ['project', 'local'] as const) {
    for (const [name, spec] of Object.entries(await readRemotesOf(root, scope))) {
      remotes.set(name, { name, spec, location: locate(root, spec.url), scope });
      if (spec.default) defaultName = name; // the local default wins over the project's
    }
  }
  return { remotes, defaultName };
}

/** A relative directory remote is relative to the project root, wherever the command runs. */
function locate(root: string, url: string): RemoteLocation {
  const loc = parseRemoteUrl(url)!;
  return loc.kind === 'dir' ? { kind: 'dir', path: path.resolve(root, loc.path) } : loc;
}

/**
 * The remote a command uses: the one named (-r), else $PIPELINE_REMOTE, else the default.
 * `required: false` answers undefined when none is configured (pipeline run without a remote).
 */
export function chooseRemote(root: string, config: RemoteConfig, named: string | undefined, required: boolean): ConfiguredRemote | undefined {
  const fromEnv = process.env[REMOTE_ENV]?.trim() || undefined;
  const wanted = named ?? fromEnv;
  if (wanted !== undefined) {
    const found = config.remotes.get(wanted);
    if (found) return found;
    if (!named && !REMOTE_NAME_RE.test(wanted)) {
      const loc = parseRemoteUrl(wanted);
      if (!loc) throw new UserError([{ field: REMOTE_ENV, message: `"${wanted}" is neither a remote name nor an s3:// URL or directory` }]);
      return { name: 'env', spec: { url: wanted, ...endpointFromEnv(loc) }, location: locate(root, wanted), scope: 'env' };
    }
    const known = [...config.remotes.keys()];
    throw new UserError([
      { field: named ? '--remote-name' : REMOTE_ENV, message: `no remote named "${wanted}"${known.length ? ` (configured: ${known.join(', ')})` : ''}` },
    ]);
  }
  if (config.defaultName) return config.remotes.get(config.defaultName);
  if (!required) return undefined;
  const problem: Problem =
    config.remotes.size > 0
      ? { message: `no default remote: name one with -r (${[...config.remotes.keys()].join(', ')}) or run \`pipeline remote add -d NAME URL\`` }
      : { message: 'no remote configured: run `pipeline remote add -d NAME URL` (an s3:// URL or a directory)' };
  throw new UserError([problem]);
}

/** An ad hoc s3:// URL from the environment takes its endpoint from the AWS SDK's own variable. */
function endpointFromEnv(loc: RemoteLocation): Partial<RemoteSpec> {
  const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  return loc.kind === 's3' && endpoint ? { endpoint } : {};
}
