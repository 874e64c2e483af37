/**
 * The schema of a remote, in pipeline.yaml (`remotes:`) and in the untracked local config
 * (.pipeline/config.yaml). Types come from here. Credentials have no field on purpose: S3
 * credentials come only from the AWS SDK's default chain (environment, profiles), never from a
 * file that git may track.
 */
import * as z from 'zod';

export const REMOTE_NAME_RE = /^[A-Za-z][\w-]*$/;

/** What a remote URL points at: an S3-compatible bucket (and key prefix), or a directory. */
export type RemoteLocation = { kind: 's3'; bucket: string; prefix: string } | { kind: 'dir'; path: string } | { kind: 'http'; url: string };

/** undefined for a URL of a kind we do not speak (gs://, ftp://, ...). */
export function parseRemoteUrl(url: string): RemoteLocation | undefined {
  const s3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (s3) return { kind: 's3', bucket: s3[1]!, prefix: (s3[2] ?? '').replace(/^\/+|\/+$/g, '') };
  if (/^https?:\/\//i.test(url)) return httpLocation(url);
  if (url.startsWith('file://')) return { kind: 'dir', path: decodeURIComponent(url.slice('file://'.length)) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return undefined;
  return { kind: 'dir', path: url };
}

/**
 * A read-only web remote: credentials have no place in its URL (it sits in pipeline.yaml, in git,
 * and in every message that names the remote), nor a query or fragment the layout would lose.
 */
function httpLocation(url: string): RemoteLocation | undefined {
  try {
    const u = new URL(url);
    if (u.username || u.password || u.search || u.hash) return undefined;
    return { kind: 'http', url: u.toString() };
  } catch {
    return undefined;
  }
}

export const RemoteSpecSchema = z
  .strictObject({
    url: z
      .string()
      .min(1, 'must not be empty')
      .refine(
        (u) => parseRemoteUrl(u) !== undefined,
        'must be s3://bucket[/prefix] (an S3-compatible store), http(s)://host/path (read-only, no credentials) or a directory path',
      ),
    /** The remote push, fetch, pull and run use when none is named. */
    default: z.boolean().optional(),
    /** S3 only: the endpoint of a non-AWS store (MinIO, Ceph, R2), e.g. http://127.0.0.1:9000. */
    endpoint: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
    /** S3 only: address buckets as endpoint/bucket (most non-AWS stores need it). Defaults to true with an endpoint. */
    path_style: z.boolean().optional(),
    /** S3 only: the signing region (us-east-1 when neither this nor the AWS chain names one). */
    region: z.string().min(1).optional(),
  })
  .superRefine((r, ctx) => {
    const kind = parseRemoteUrl(r.url)?.kind;
    if (kind === 's3' || kind === undefined) return; // s3 takes them; a bad URL is reported on its own
    for (const key of ['endpoint', 'path_style', 'region'] as const) {
      if (r[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'applies only to an s3:// remote' });
    }
  });
export type RemoteSpec = z.infer<typeof RemoteSpecSchema>;

export const RemotesSchema = z
  .record(z.string().regex(REMOTE_NAME_RE, 'remote names start with a letter and hold letters, digits, "-" and "_"'), RemoteSpecSchema)
  .superRefine((remotes, ctx) => {
    const defaults = Object.entries(remotes).filter(([, r]) => r.default);
    for (const [name] of defaults.slice(1)) {
      ctx.addIssue({ code: 'custom', path: [name, 'default'], message: `only one remote can be the default ("${defaults[0]![0]}" already is)` });
    }
  });
export type Remotes = z.infer<typeof RemotesSchema>;
