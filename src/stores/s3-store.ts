import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { NotFoundError, StoreUnavailableError, type BlockStore, type StoredObject } from './block-store.js';
import { s3ContainerName } from './container-name.js';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3StoreOptions {
  bucket: string;
  /** Base URL of an S3-compatible service (Ceph RGW, MinIO, OBS ...); unset: AWS itself. */
  endpoint?: string;
  /** Defaults to us-east-1, which most S3-compatible services accept whatever their setup. */
  region?: string;
  /** Every key lives under this prefix (`/` added), so several services can share one bucket. */
  prefix?: string;
  credentials: S3Credentials;
  /** How long to wait for a TCP connection. */
  connectTimeoutMs?: number;
  /** How long a connection may stay silent mid-request before it counts as dead. */
  idleTimeoutMs?: number;
  /** Keys per listing request; S3's own limit (1000) unless smaller. */
  listPageSize?: number;
}

/** What the SDK attaches to its errors (and Node to socket errors); all optional. */
interface SdkErrorFields {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** Error codes S3 uses for trouble that passes: throttling, overload, its own faults. */
const PASSING = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestTimeout',
  'InternalError',
  'ServiceUnavailable',
]);
const ACCESS = new Set([
  'AccessDenied',
  'Forbidden',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'AccountProblem',
]);
const CONNECTION_DROPPED = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EAI_AGAIN']);

/**
 * Objects in one bucket of any S3-compatible service. A PUT is atomic and durable once
 * answered, so a put never leaves a partial object. The SDK's own retries are off: the retry
 * decorator decides, so attempts never multiply.
 */
export class S3BlockStore implements BlockStore {
  readonly description: string;
  readonly containerName: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly where: string;
  private readonly listPageSize: number | undefined;
  private bucketChecked: Promise<void> | undefined;

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ? options.prefix.replace(/\/*$/, '/') : '';
    this.listPageSize = options.listPageSize;
    const endpoint = options.endpoint ?? `https://s3.${options.region ?? 'us-east-1'}.amazonaws.com`;
    this.where = `S3 bucket "${this.bucket}" at ${endpoint}`;
    this.description = `s3:${endpoint}/${this.bucket}${this.prefix ? `/${this.prefix.replace(/\/$/, '')}` : ''}`;
    this.containerName = s3ContainerName(this.bucket, this.prefix);
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region ?? 'us-east-1',
      credentials: options.credentials,
      // Path-style addressing works with every S3-compatible service and needs no wildcard DNS.
      forcePathStyle: true,
      maxAttempts: 1,
      // Several S3-compatible services reject the newer flexible-checksum headers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: options.connectTimeoutMs ?? 5000,
        socketTimeout: options.idleTimeoutMs ?? 30_000,
      },
    });
  }

  async put(key: string, data: Buffer): Promise<void> {
    await this.checkBucket();
    await this.call(`write ${key}`, undefined, () =>
      this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Body: data, ContentLength: data.length }),
      ),
    );
  }

  async get(key: string): Promise<Buffer> {
    await this.checkBucket();
    return this.call(`read ${key}`, key, async () => (await this.fetch(key)).bytes);
  }

  async getRange(key: string, offset: number, length: number): Promise<Buffer> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new RangeError(`invalid range ${offset}+${length} of ${key}`);
    }
    if (length === 0) {
      // HTTP cannot ask for no bytes; the object must still exist.
      if (!(await this.has(key))) throw new NotFoundError(key);
      return Buffer.alloc(0);
    }
    await this.checkBucket();
    return this.call(`read ${key}`, key, async () => {
      try {
        const { bytes, ranged } = await this.fetch(key, `bytes=${offset}-${offset + length - 1}`);
        // A service that ignores Range answers with the whole object.
        return ranged ? bytes : bytes.subarray(offset, offset + length);
      } catch (err) {
        // 416: the range starts at or past the end, which is the end of the object.
        if ((err as SdkErrorFields).$metadata?.httpStatusCode === 416) return Buffer.alloc(0);
        throw err;
      }
    });
  }

  private async fetch(key: string, range?: string): Promise<{ bytes: Buffer; ranged: boolean }> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Range: range }));
    const array = out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
    const bytes = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
    if (out.ContentLength !== undefined && out.ContentLength !== bytes.length) {
      // A connection cut mid-body must not pass for the object.
      throw new StoreUnavailableError(`${this.where}: read ${key} failed: got ${bytes.length} of ${out.ContentLength} bytes`, {
        transient: true,
      });
    }
    return { bytes, ranged: out.ContentRange !== undefined };
  }

  async has(key: string): Promise<boolean> {
    await this.checkBucket();
    try {
      await this.call(`look up ${key}`, key, () =>
        this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key })),
      );
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.checkBucket();
    // S3 answers 204 for an absent key too, which is exactly the contract.
    await this.call(`delete ${key}`, undefined, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key })),
    );
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    await this.checkBucket();
    let token: string | undefined;
    do {
      const page = await this.call(`list ${prefix || 'objects'}`, undefined, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            ContinuationToken: token,
            MaxKeys: this.listPageSize,
          }),
        ),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined) continue;
        yield {
          key: item.Key.slice(this.prefix.length),
          size: item.Size ?? 0,
          modified: item.LastModified ?? new Date(0),
        };
      }
      if (page.IsTruncated && !page.NextContinuationToken) {
        // Stopping here would silently hide objects (and let GC forget them).
        throw new StoreUnavailableError(`${this.where}: list ${prefix} failed: a truncated page without a continuation token`);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /**
   * A HEAD of an object answers a bare 404 both for a missing key and a missing bucket; checking
   * the bucket once up front keeps `has` honest and names the real problem.
   */
  private checkBucket(): Promise<void> {
    if (!this.bucketChecked) {
      const check = this.call('open the bucket', undefined, () =>
        this.client.send(new HeadBucketCommand({ Bucket: this.bucket })),
      ).then(() => undefined);
      this.bucketChecked = check;
      // A failed check is tried again on the next call: the bucket may appear, the network return.
      check.catch(() => {
        if (this.bucketChecked === check) this.bucketChecked = undefined;
      });
    }
    return this.bucketChecked;
  }

  private async call<T>(action: string, key: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw this.translate(err, action, key);
    }
  }

  /** One clear error a user can act on, never the SDK's internals. */
  private translate(err: unknown, action: string, key: string | undefined): Error {
    if (err instanceof NotFoundError || err instanceof StoreUnavailableError) return err;
    const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorFields;
    const name = typeof e.name === 'string' ? e.name : '';
    const code = typeof e.code === 'string' ? e.code : '';
    const status = e.$metadata?.httpStatusCode;
    const fail = (reason: string, transient: boolean) =>
      new StoreUnavailableError(`${this.where}: ${action} failed: ${reason}`, { transient });

    if (name === 'NoSuchBucket' || (action === 'open the bucket' && status === 404)) {
      return new StoreUnavailableError(`${this.where}: the bucket does not exist (create it, or fix VBS_STORE_URL)`);
    }
    if (key !== undefined && (name === 'NoSuchKey' || name === 'NotFound' || status === 404)) {
      return new NotFoundError(key);
    }
    if (code === 'ECONNREFUSED') return fail('connection refused; is the endpoint right and the service running?', true);
    if (code === 'ENOTFOUND') return fail('the host name does not resolve', false);
    if (CONNECTION_DROPPED.has(code)) return fail(`the connection failed (${code})`, true);
    if (name === 'TimeoutError') return fail('timed out waiting for the service', true);
    if (name === 'CredentialsProviderError') return fail('no credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)', false);
    // A HEAD answer has no body, so the SDK can name its error only "Unknown"; the status says more.
    const label = [status, name && !/^Unknown/.test(name) ? name : ''].filter(Boolean).join(' ');
    if (name === 'RequestTimeTooSkewed') {
      return fail("this host's clock and the service's differ by more than 15 minutes; set the time right (NTP)", false);
    }
    if (status === 403 || ACCESS.has(name)) {
      return fail(
        `access denied (${label}); check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket's permissions`,
        false,
      );
    }
    if (status === 301 || status === 307 || name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed') {
      return fail(`the bucket lives in another region or endpoint (${label}); fix region= in VBS_STORE_URL`, false);
    }
    if ((status !== undefined && (status >= 500 || status === 429)) || PASSING.has(name)) {
      return fail(`the service answered ${label || 'with a temporary failure'}`, true);
    }
    if (status !== undefined) return fail(`the service answered ${label}`, false);
    const message = typeof e.message === 'string' ? e.message.split('\n')[0] : String(err);
    return fail(code ? `${code}: ${message}` : message, false);
  }
}
