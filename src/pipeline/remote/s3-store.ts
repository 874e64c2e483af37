/**
 * A remote in an S3-compatible bucket (AWS, MinIO, Ceph, R2) through the AWS SDK v3. Credentials
 * come only from the SDK's default chain (environment, shared profiles, instance roles).
 * Non-AWS servers mishandle the SDK's default CRC32 checksums and aws-chunked bodies (s3rver
 * stores the chunk framing as content), so with an endpoint checksums are sent only when an
 * operation requires them; integrity comes from our own SHA-256 anyway.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { RemoteSpec } from './schema.ts';
import { StoreError, TRANSIENT_NET_CODES, type ListedObject, type RemoteStore } from './store.ts';

// This project supports Node 20 and pins an SDK release that runs on it; the SDK's notice about
// later releases needing Node 22 would otherwise print eight lines on every command (set the
// variable to "false" to see it).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Objects above one part go up as a multipart upload, which S3 shows only once completed. */
const PART_SIZE = 16 * 2 ** 20;

type Sdk = typeof import('@aws-sdk/client-s3');
type Storage = typeof import('@aws-sdk/lib-storage');

/**
 * The SDK is imported here, on first use, and not at the top: it takes about 0.5 s to load, and
 * the bundled CLI would load it for every command (esbuild hoists static imports of packages).
 */
export async function openS3Store(label: string, bucket: string, prefix: string, spec: RemoteSpec): Promise<S3Store> {
  return new S3Store(await import('@aws-sdk/client-s3'), label, bucket, prefix, spec);
}

export class S3Store implements RemoteStore {
  private readonly client: S3Client;
  private bucketChecked: Promise<void> | undefined;
  /** Where requests go, for messages about an endpoint that does not answer. */
  private readonly where: string;

  /** lib-storage, loaded by the first upload (an up-to-date push never needs it). */
  private storage: Promise<Storage> | undefined;

  constructor(
    private readonly sdk: Sdk,
    readonly label: string,
    private readonly bucket: string,
    private readonly prefix: string,
    spec: RemoteSpec,
  ) {
    const custom = spec.endpoint !== undefined;
    this.where = spec.endpoint ?? 'AWS S3';
    this.client = new sdk.S3Client({
      region: spec.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      ...(custom ? { endpoint: spec.endpoint, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {}),
      forcePathStyle: spec.path_style ?? custom,
      // Retries are ours (transfer.ts), around whole transfers: the SDK cannot replay a streamed body.
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
    });
  }

  private key(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  /** A missing bucket answers every HEAD with 404, which would read as "nothing pushed yet". */
  private ready(): Promise<void> {
    this.bucketChecked ??= this.client.send(new this.sdk.HeadBucketCommand({ Bucket: this.bucket })).then(
      () => undefined,
      (e) => {
        this.bucketChecked = undefined; // a transient failure is checked again on the retry
        const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 404) throw new StoreError(`bucket "${this.bucket}" does not exist`, false);
        throw this.fail(e, `reach bucket "${this.bucket}"`);
      },
    );
    return this.bucketChecked;
  }

  async *list(prefix: string): AsyncIterable<ListedObject> {
    await this.ready();
    const strip = this.prefix ? this.prefix.length + 1 : 0;
    let token: string | undefined;
    do {
      const page = await this.client
        .send(new this.sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.key(prefix), ContinuationToken: token }))
        .catch((e) => {
          throw this.fail(e, `list ${prefix}`);
        });
      for (const o of page.Contents ?? []) if (o.Key) yield { key: o.Key.slice(strip), size: o.Size ?? 0, mtimeMs: o.LastModified?.getTime() ?? 0 };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async head(key: string): Promise<number | undefined> {
    await this.ready();
    try {
      const r = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return r.ContentLength ?? 0;
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw this.fail(e, `read ${key}`);
    }
  }

  async put(key: string, body: Readable, size: number, check: () => void): Promise<void> {
    await this.ready();
    this.storage ??= import('@aws-sdk/lib-storage');
    const upload = new (await this.storage).Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.key(key), Body: body, ...(size < PART_SIZE ? { ContentLength: size } : {}) },
      partSize: PART_SIZE,
      queueSize: 1, // parallelism is across objects (--jobs), which keeps memory at jobs x one part
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (e) {
      body.destroy();
      throw this.fail(e, `write ${key}`);
    }
    try {
      check();
    } catch (e) {
      // The bytes read were not the content named by the key: take them back at once.
      await this.delete(key).catch(() => undefined);
      throw e;
    }
  }

  async get(key: string): Promise<Readable | undefined> {
    await this.ready();
    try {
      const r = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return r.Body as Readable;
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw this.fail(e, `read ${key}`);
    }
  }

  async delete(key: string): Promise<void> {
    await this.ready();
    await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(key) })).catch((e) => {
      throw this.fail(e, `delete ${key}`);
    });
  }

  probe(): Promise<void> {
    return this.ready();
  }

  close(): void {
    this.client.destroy();
  }

  private fail(e: unknown, what: string): StoreError {
    if (e instanceof StoreError) return e;
    const err = e as Error & { code?: string; $metadata?: { httpStatusCode?: number }; errors?: Array<{ code?: string }> };
    const code = err.code ?? err.errors?.[0]?.code;
    const status = statusOf(e);
    if (code && TRANSIENT_NET_CODES.has(code)) return new StoreError(`cannot ${what}: ${code} from ${this.where}`, true);
    if (err.name === 'TimeoutError' || err.name === 'RequestTimeout') return new StoreError(`cannot ${what}: timed out`, true);
    if (err.name === 'CredentialsProviderError')
      return new StoreError('no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)', false);
    if (status === 403 || ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied'].includes(err.name)) {
      return new StoreError(`cannot ${what}: access denied (${err.name}); check the credentials the AWS SDK finds (AWS_ACCESS_KEY_ID, AWS_PROFILE)`, false);
    }
    if (err.name === 'NoSuchBucket') return new StoreError(`bucket "${this.bucket}" does not exist`, false);
    if (status !== undefined && (status >= 500 || status === 429)) return new StoreError(`cannot ${what}: HTTP ${status} ${err.name}`, true);
    return new StoreError(`cannot ${what}: ${err.name}: ${(err.message || '').split('\n')[0]}`, false);
  }
}

function statusOf(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}
