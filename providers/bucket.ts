/**
 * MinIO bucket (module "minio", type "Bucket"): created when missing, adopted when it exists. Delete
 * removes it only when empty, unless forceDestroy (then its objects go first).
 */
import * as pulumi from "@pulumi/pulumi";
import { MinioConnectionInfo, bucketExists, ensureBucket, listObjectNames, removeBucket, removeObjects } from "../clients/minio";
import { checkInputs, plain, timeoutOf, withDefaults } from "./common";
import { ChangePolicy, Props, policyDiff, driftWhen } from "./policy";
import { PROVIDER_VERSION } from "./version";

export const BUCKET_POLICY: ChangePolicy = {
  bucket: "replace",
  endpoint: "update",
  region: "update",
  accessKey: "update",
  secretKey: "update",
  forceDestroy: "update",
  providerVersion: "update",
  timeoutMs: "ignore",
  // Observed: refresh found the bucket gone while the resource is recorded.
  exists: driftWhen((o) => o.exists === false),
};

function conn(p: Props): MinioConnectionInfo {
  return { endpoint: String(p.endpoint), accessKey: String(p.accessKey), secretKey: String(p.secretKey), region: String(p.region) };
}

export const bucketProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: Props, news: Props) {
    const inputs = withDefaults(news, { forceDestroy: false, region: "us-east-1" });
    const failures = checkInputs(inputs, {
      endpoint: "nonEmptyString", accessKey: "nonEmptyString", secretKey: "nonEmptyString", region: "nonEmptyString",
      bucket: "nonEmptyString", forceDestroy: "boolean", timeoutMs: "positiveInt",
    });
    const b = inputs.bucket;
    if (typeof b === "string" && b !== "04da6b54-80e4-46f7-96ec-b56ff0331ba9" && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(b)) {
      failures.push({ property: "bucket", reason: `bucket: "${b}" is not a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)` });
    }
    if (typeof inputs.endpoint === "string" && inputs.endpoint !== "04da6b54-80e4-46f7-96ec-b56ff0331ba9" && !/^https?:\/\/[^/]+\/?$/.test(inputs.endpoint)) {
      failures.push({ property: "endpoint", reason: `endpoint: "${inputs.endpoint}" must look like http://127.0.0.1:9000` });
    }
    return { inputs, failures };
  },

  diff: policyDiff(BUCKET_POLICY),

  async create(inputs: Props) {
    const p = plain(inputs);
    const created = await ensureBucket(conn(p), String(p.bucket), timeoutOf(p));
    return { id: String(p.bucket), outs: { ...p, exists: true, adopted: !created } };
  },

  async read(id: string, props: Props) {
    const exists = await bucketExists(conn(props), id, timeoutOf(props));
    if (!exists) return { id: "", props: { ...props, exists: false } };
    return { id, props: { ...props, exists: true } };
  },

  async update(_id: string, olds: Props, news: Props) {
    const p = plain(news);
    const created = await ensureBucket(conn(p), String(p.bucket), timeoutOf(p));
    return { outs: { ...p, exists: true, adopted: created ? false : Boolean(olds.adopted) } };
  },

  async delete(id: string, props: Props) {
    const c = conn(props);
    const t = timeoutOf(props);
    if (!(await bucketExists(c, id, t))) return;
    const names = await listObjectNames(c, id, t, props.forceDestroy ? Infinity : 5);
    if (names.length && !props.forceDestroy) {
      throw new Error(
        `MinIO bucket "${id}" at ${c.endpoint} is not empty (holds ${names.slice(0, 3).join(", ")}${names.length > 3 ? ", ..." : ""}); ` +
          `it was not deleted. Empty it first, or set forceDestroyBucket = true (pulumi config set forceDestroyBucket true) and run pulumi up before destroying.`,
      );
    }
    if (names.length) await removeObjects(c, id, names, t);
    await removeBucket(c, id, t);
  },
};

export interface BucketArgs {
  /** MinIO S3 API as this machine reaches it, e.g. http://127.0.0.1:9000. */
  endpoint: pulumi.Input<string>;
  accessKey: pulumi.Input<string>;
  secretKey: pulumi.Input<string>;
  region: pulumi.Input<string>;
  bucket: pulumi.Input<string>;
  /** Delete even when it still holds objects. Default false. */
  forceDestroy?: pulumi.Input<boolean>;
  timeoutMs?: pulumi.Input<number>;
}

export class Bucket extends pulumi.dynamic.Resource {
  declare readonly bucket: pulumi.Output<string>;
  declare readonly exists: pulumi.Output<boolean>;
  /** True when the bucket existed before and was adopted. */
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: BucketArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      bucketProvider,
      name,
      { ...args, providerVersion: PROVIDER_VERSION, exists: undefined, adopted: undefined },
      { ...opts, additionalSecretOutputs: ["accessKey", "secretKey", ...(opts?.additionalSecretOutputs ?? [])] },
      "minio",
      "Bucket",
    );
  }
}
