/**
 * The CDC jobs' state registry on S3: which job ids a pipeline has run (and their label generations), and
 * the retained checkpoints and savepoints of those ids. A JobManager restart without HA forgets every job and
 * `pulumi refresh` drops a gone resource from state, so this small object on the bucket,
 * `flink/cdc-jobs/<pipelineName>.json` ({"pipelineName","jobIds":[...],"labelGenerations":{jobId: generation}}),
 * is what loss recovery starts from. Retained state is found by Flink's layouts:
 * `<checkpointDir>/<jobId>/chk-N/_metadata` and `<savepointDir>/savepoint-<first 6 hex of jobId>-<random>/_metadata`.
 *
 * The object store sits behind the ObjectStore seam; tests inject an in-memory one. Loaded into the provider by
 * value (serialized with it): the minio package is required inside clients/minio.ts's function, not here.
 */
import { minioClient } from "../clients/minio";


export interface StoredObject {
  key: string;
  lastModified: Date;
}

/** The few S3 calls loss recovery needs, on one bucket. */
export interface ObjectStore {
  list(prefix: string): Promise<StoredObject[]>;
  getText(key: string): Promise<string | undefined>;
  putText(key: string, body: string): Promise<void>;
  remove(key: string): Promise<void>;
}

export interface S3Connection {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region: string;
}

export type ObjectStoreFactory = (conn: S3Connection) => ObjectStore;

/** The real store: MinIO's client (S3 ListObjectsV2, GetObject, PutObject, DeleteObject). */
export function minioObjectStore(conn: S3Connection): ObjectStore {
  const client = minioClient({ endpoint: conn.endpoint, accessKey: conn.accessKey, secretKey: conn.secretKey, region: conn.region });
  const isMissing = (err: unknown) => ["NoSuchKey", "NotFound", "NoSuchBucket"].includes((err as { code?: string }).code ?? "");
  return {
    list: (prefix) =>
      new Promise((resolve, reject) => {
        const out: StoredObject[] = [];
        const stream = client.listObjectsV2(conn.bucket, prefix, true);
        stream.on("data", (o: { name?: string; lastModified?: Date }) => {
          if (o.name) out.push({ key: o.name, lastModified: new Date(o.lastModified ?? 0) });
        });
        stream.on("error", (err: unknown) => (isMissing(err) ? resolve([]) : reject(err)));
        stream.on("end", () => resolve(out));
      }),
    getText: async (key) => {
      try {
        const stream = await client.getObject(conn.bucket, key);
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(Buffer.from(c));
        return Buffer.concat(chunks).toString("utf8");
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },
    putText: async (key, body) => {
      await client.putObject(conn.bucket, key, Buffer.from(body, "utf8"), Buffer.byteLength(body), { "Content-Type": "application/json" });
    },
    remove: async (key) => {
      await client.removeObject(conn.bucket, key);
    },
  };
}

/** An s3://, s3a:// or s3p:// URI (the schemes Flink's S3 file systems register). */
export const S3_URI = /^s3[ap]?:\/\//;

/** Why loss recovery cannot list retained state for these inputs, or undefined when it can (both dirs on S3, a store configured). */
export function recoveryListingOff(p: { checkpointDir: string; savepointDir: string; s3Endpoint: string; bucket: string }): string | undefined {
  const notS3 = [p.checkpointDir, p.savepointDir].filter((d) => !S3_URI.test(d ?? ""));
  // The provider runs where Pulumi runs; an hdfs:// or file:// path names the Flink cluster's filesystem, which it cannot list.
  if (notS3.length) return `${notS3.join(" and ")} ${notS3.length > 1 ? "are" : "is"} not on S3, so the provider cannot list the Flink cluster's retained checkpoints and savepoints`;
  if (!p.s3Endpoint || !p.bucket) return "no S3 endpoint or bucket is configured for listing retained state";
  return undefined;
}

/** `s3://bucket/some/dir` -> { bucket, prefix: "some/dir/" }. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const m = /^s3[ap]?:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw new Error(`"${uri}" is not an s3:// URI`);
  const prefix = m[2].replace(/\/+$/, "");
  return { bucket: m[1], prefix: prefix ? prefix + "/" : "" };
}

export function registryKey(pipelineName: string): string {
  return `flink/cdc-jobs/${pipelineName}.json`;
}

export interface RetainedState {
  /** Directory to pass as execution.state-recovery.path. */
  path: string;
  kind: "checkpoint" | "savepoint";
  jobId: string;
  lastModified: Date;
}

/** The newest retained checkpoint or savepoint of the given job ids, by LastModified of its _metadata. */
export async function newestRetainedState(store: ObjectStore, checkpointDir: string, savepointDir: string, jobIds: readonly string[]): Promise<RetainedState | undefined> {
  const cp = parseS3Uri(checkpointDir);
  const sp = parseS3Uri(savepointDir);
  const found: RetainedState[] = [];
  for (const jobId of new Set(jobIds)) {
    if (!/^[0-9a-f]{32}$/.test(jobId)) continue;
    for (const o of await store.list(`${cp.prefix}${jobId}/`)) {
      const m = new RegExp(`^(${escapeRe(cp.prefix)}${jobId}/chk-\\d+)/_metadata$`).exec(o.key);
      if (m) found.push({ path: `s3://${cp.bucket}/${m[1]}`, kind: "checkpoint", jobId, lastModified: o.lastModified });
    }
    for (const o of await store.list(`${sp.prefix}savepoint-${jobId.slice(0, 6)}-`)) {
      const m = new RegExp(`^(${escapeRe(sp.prefix)}savepoint-${jobId.slice(0, 6)}-[0-9a-f]+)/_metadata$`).exec(o.key);
      if (m) found.push({ path: `s3://${sp.bucket}/${m[1]}`, kind: "savepoint", jobId, lastModified: o.lastModified });
    }
  }
  found.sort((a, b) => b.lastModified.getTime() - a.lastModified.getTime());
  return found[0];
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** What the registry object holds for one pipeline. */
export interface Registry {
  jobIds: string[];
  labelGenerations: Record<string, string>;
}

/** The pipeline's registry, or an empty one (no store, no object yet, or unreadable JSON). */
export async function readRegistry(store: ObjectStore | undefined, pipelineName: string): Promise<Registry> {
  const empty: Registry = { jobIds: [], labelGenerations: {} };
  if (!store) return empty;
  const text = await store.getText(registryKey(pipelineName));
  if (!text) return empty;
  try {
    const json = JSON.parse(text);
    const ids = Array.isArray(json?.jobIds) ? json.jobIds.filter((x: unknown) => typeof x === "string") : [];
    const gens = json?.labelGenerations && typeof json.labelGenerations === "object" ? json.labelGenerations : {};
    return { jobIds: ids, labelGenerations: gens };
  } catch {
    return empty;
  }
}

/** Records the pipeline's job ids (oldest first) and the label generation of each; no-op without a store. */
export async function writeRegistry(store: ObjectStore | undefined, pipelineName: string, jobIds: string[], generations: Record<string, string>): Promise<void> {
  if (!store) return;
  const labelGenerations = Object.fromEntries(jobIds.filter((j) => generations[j] !== undefined).map((j) => [j, generations[j]]));
  await store.putText(registryKey(pipelineName), JSON.stringify({ pipelineName, jobIds, labelGenerations }, null, 2) + "\n");
}
