/**
 * MinIO (S3 API) via the official `minio` JS client, shared by the Bucket provider and the CLI. The client
 * is required inside each call so providers serialized by value capture no client.
 */
import { CdcError } from "./errors";
import type { Client } from "minio";
import { scrub } from "./scrub";
import { NotReadyError, waitFor } from "./wait";

export interface MinioConnectionInfo {
  /** e.g. http://127.0.0.1:9000 (the published host port). */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
}

export const MINIO_SERVICE = "MinIO";

export function minioClient(info: MinioConnectionInfo): Client {
  const url = new URL(info.endpoint);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const minio = require("minio") as typeof import("minio");
  return new minio.Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80,
    useSSL: url.protocol === "https:",
    accessKey: info.accessKey,
    secretKey: info.secretKey,
    // A fixed region avoids the GetBucketLocation round trip; MinIO accepts any.
    region: info.region,
    pathStyle: true,
  });
}

const AUTH_ERRORS = /InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|InvalidToken/;

function isAuthError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return AUTH_ERRORS.test(e?.code ?? "") || AUTH_ERRORS.test(e?.message ?? "");
}

class MinioAuthError extends CdcError {
  // An explicit constructor: the closure serializer emits an implicit one as `__super.call(this)`, dropping the message.
  constructor(message: string) {
    super(message);
    this.name = "MinioAuthError";
  }
}

function describeS3Error(err: unknown, secrets: string[]): string {
  const e = err as { code?: string; message?: string };
  const msg = scrub(e?.message ?? String(err), secrets);
  return e?.code && !msg.includes(e.code) ? `${e.code}: ${msg}` : msg;
}

/**
 * Runs op against MinIO, retrying while the server does not answer (connection refused, 5xx) until
 * timeoutMs. Credential errors fail at once. Errors name the endpoint and never the keys.
 */
export async function withMinio<T>(info: MinioConnectionInfo, timeoutMs: number, what: string, op: (c: Client) => Promise<T>): Promise<T> {
  const secrets = [info.accessKey, info.secretKey];
  const client = minioClient(info);
  try {
    return await waitFor(
      async () => {
        try {
          return await op(client);
        } catch (err) {
          if (isAuthError(err)) {
            throw new MinioAuthError(`${MINIO_SERVICE} at ${info.endpoint} rejected the credentials while trying to ${what}: ${describeS3Error(err, secrets)}. Check the access key and secret key the stack passes.`);
          }
          const code = (err as { code?: string })?.code ?? "";
          const status = (err as { $metadata?: { httpStatusCode?: number }; statusCode?: number })?.statusCode;
          const transient = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|socket hang up|XMinioServerNotInitialized|ServiceUnavailable|SlowDown/i.test(`${code} ${(err as Error)?.message}`) || (status !== undefined && status >= 500);
          if (transient) throw new NotReadyError(describeS3Error(err, secrets));
          throw new Error(`${MINIO_SERVICE} at ${info.endpoint}: failed to ${what}: ${describeS3Error(err, secrets)}`);
        }
      },
      { what: `${MINIO_SERVICE} to ${what}`, where: info.endpoint, timeoutMs, retryable: (e) => e instanceof NotReadyError },
    );
  } catch (err) {
    if (err instanceof MinioAuthError) throw new Error(err.message);
    throw err;
  }
}

export function bucketExists(info: MinioConnectionInfo, bucket: string, timeoutMs: number): Promise<boolean> {
  return withMinio(info, timeoutMs, `check bucket "${bucket}"`, (c) => c.bucketExists(bucket));
}

/** Creates the bucket unless it exists. Returns whether it was created (false = adopted). */
export function ensureBucket(info: MinioConnectionInfo, bucket: string, timeoutMs: number): Promise<boolean> {
  return withMinio(info, timeoutMs, `create bucket "${bucket}"`, async (c) => {
    if (await c.bucketExists(bucket)) return false;
    try {
      await c.makeBucket(bucket, info.region);
      return true;
    } catch (err) {
      const code = (err as { code?: string })?.code;
      if (code === "BucketAlreadyOwnedByYou" || code === "BucketAlreadyExists") return false;
      throw err;
    }
  });
}

/** Lists up to `limit` object names (recursive). */
export function listObjectNames(info: MinioConnectionInfo, bucket: string, timeoutMs: number, limit = Infinity): Promise<string[]> {
  return withMinio(info, timeoutMs, `list bucket "${bucket}"`, (c) =>
    new Promise<string[]>((resolve, reject) => {
      const names: string[] = [];
      const stream = c.listObjectsV2(bucket, "", true);
      stream.on("data", (o) => {
        if (o.name) names.push(o.name);
        if (names.length >= limit) {
          stream.destroy();
          resolve(names);
        }
      });
      stream.on("error", reject);
      stream.on("end", () => resolve(names));
    }),
  );
}

export function removeObjects(info: MinioConnectionInfo, bucket: string, names: string[], timeoutMs: number): Promise<void> {
  return withMinio(info, timeoutMs, `empty bucket "${bucket}"`, async (c) => {
    for (let i = 0; i < names.length; i += 1000) await c.removeObjects(bucket, names.slice(i, i + 1000));
  });
}

export function removeBucket(info: MinioConnectionInfo, bucket: string, timeoutMs: number): Promise<void> {
  return withMinio(info, timeoutMs, `remove bucket "${bucket}"`, async (c) => {
    try {
      await c.removeBucket(bucket);
    } catch (err) {
      if ((err as { code?: string })?.code === "NoSuchBucket") return;
      throw err;
    }
  });
}

export function putObject(info: MinioConnectionInfo, bucket: string, name: string, body: string, timeoutMs: number): Promise<void> {
  return withMinio(info, timeoutMs, `write ${bucket}/${name}`, async (c) => {
    await c.putObject(bucket, name, Buffer.from(body));
  });
}
