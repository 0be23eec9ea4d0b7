/**
 * StarRocks storage volume (module "starrocks", type "StorageVolume"): an S3 volume on MinIO, enabled and
 * set as the default (starrocks.md §4). Credentials change in place with ALTER STORAGE VOLUME ... SET;
 * StarRocks cannot change TYPE, LOCATIONS or other path-related properties (ALTER_STORAGE_VOLUME.md), so a
 * location/endpoint/region change is a replacement, refused unless allowDestructiveChanges.
 */
import * as pulumi from "@pulumi/pulumi";
import { SqlConnection } from "../clients/mysql";
import {
  SV_IS_DEFAULT,
  StorageVolumeInfo,
  alterStorageVolume,
  createStorageVolume,
  describeStorageVolume,
  dropStorageVolume,
  setDefaultStorageVolume,
  withStarRocks,
} from "../clients/starrocks";
import { VolumeSpec } from "../render/starrocks";
import { SQL_ENDPOINT_RULES, checkInputs, plain, sqlEndpoint, timeoutOf, withDefaults, SqlEndpointArgs, SQL_ENDPOINT_POLICY } from "./common";
import { ChangePolicy, Props, diffByPolicy, driftWhen, refuseDestructive } from "./policy";
import { PROVIDER_VERSION } from "./version";

const PATH_KEYS = ["name", "location", "endpoint", "region"];

export const STORAGE_VOLUME_POLICY: ChangePolicy = {
  ...SQL_ENDPOINT_POLICY,
  name: "replace",
  location: "replace",
  endpoint: "replace",
  region: "replace",
  accessKey: "update",
  secretKey: "update",
  allowDestructiveChanges: "ignore",
  providerVersion: "update",
  timeoutMs: "ignore",
  // Observed by read: someone changed the default volume or disabled it.
  isDefault: driftWhen((o) => o.isDefault === false),
  enabled: driftWhen((o) => o.enabled === false),
};

function spec(p: Props): VolumeSpec {
  return { name: String(p.name), location: String(p.location), endpoint: String(p.endpoint), region: String(p.region) };
}

/** DESC may print the location with a trailing slash. */
function sameLocation(a: string, b: string): boolean {
  return a.replace(/\/+$/, "") === b.replace(/\/+$/, "");
}

/** Pure: which statements bring the observed volume to the wanted state. */
export function planStorageVolume(actual: StorageVolumeInfo | undefined, p: Props, credentialsChanged: boolean): Array<"create" | "alterCredentials" | "enable" | "setDefault"> {
  if (!actual) return ["create", "setDefault"];
  if (!sameLocation(actual.location, String(p.location))) {
    throw new Error(
      `StarRocks storage volume "${p.name}" already exists at ${actual.location}, but the stack wants ${p.location}. ` +
        `StarRocks cannot change a volume's location (ALTER STORAGE VOLUME alters credentials only) and refuses to drop the default volume ` +
        `or one that databases and tables use. Keep the old bucket/location, or destroy the stack (including the FE metadata volume) to start over.`,
    );
  }
  const steps: Array<"alterCredentials" | "enable" | "setDefault"> = [];
  if (credentialsChanged) steps.push("alterCredentials");
  if (!actual.enabled) steps.push("enable");
  if (!actual.isDefault) steps.push("setDefault");
  return steps;
}

async function converge(c: SqlConnection, p: Props, credentialsChanged: boolean): Promise<StorageVolumeInfo> {
  const name = String(p.name);
  const ak = String(p.accessKey);
  const sk = String(p.secretKey);
  const actual = await describeStorageVolume(c, name);
  for (const step of planStorageVolume(actual, p, credentialsChanged)) {
    if (step === "create") await createStorageVolume(c, spec(p), ak, sk);
    if (step === "alterCredentials") await alterStorageVolume(c, name, { "aws.s3.access_key": ak, "aws.s3.secret_key": sk }, [ak, sk]);
    if (step === "enable") await alterStorageVolume(c, name, { enabled: "true" });
    if (step === "setDefault") await setDefaultStorageVolume(c, name);
  }
  const after = await describeStorageVolume(c, name);
  if (!after) throw new Error(`StarRocks storage volume "${name}" is missing right after creating it at ${p.host}:${p.port}`);
  return after;
}

function outs(p: Props, v: StorageVolumeInfo): Props {
  return { ...p, isDefault: v.isDefault, enabled: v.enabled };
}

export const storageVolumeProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: Props, news: Props) {
    const inputs = withDefaults(news, { user: "root", allowDestructiveChanges: false });
    const failures = checkInputs(inputs, {
      ...SQL_ENDPOINT_RULES, name: "nonEmptyString", location: "nonEmptyString", endpoint: "nonEmptyString", region: "nonEmptyString",
      accessKey: "nonEmptyString", secretKey: "nonEmptyString", allowDestructiveChanges: "boolean",
    });
    const loc = inputs.location;
    if (typeof loc === "string" && loc !== "04da6b54-80e4-46f7-96ec-b56ff0331ba9" && !/^s3:\/\/[a-z0-9][a-z0-9.-]+[a-z0-9](\/.*)?$/.test(loc)) {
      failures.push({ property: "location", reason: `location: "${loc}" must be s3://<bucket>[/prefix]` });
    }
    if (inputs.name === "builtin_storage_volume") failures.push({ property: "name", reason: "name: builtin_storage_volume is reserved by StarRocks" });
    return { inputs, failures };
  },

  async diff(_id: string, olds: Props, news: Props) {
    const d = diffByPolicy(olds, news, STORAGE_VOLUME_POLICY);
    refuseDestructive(d, PATH_KEYS, news.allowDestructiveChanges === true, (keys) =>
      `StarRocks storage volume "${olds.name}": changing ${keys.map((k) => `${k} (${olds[k]} -> ${news[k]})`).join(", ")} needs a new volume, ` +
        `and tables on the old one become read-only. Refused; set allowDestructiveChanges = true to replace it, or keep the old value.`,
    );
    return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: d.deleteBeforeReplace };
  },

  async create(inputs: Props) {
    const p = plain(inputs);
    // Credentials are masked in DESC, so an adopted volume always gets the stack's credentials.
    const v = await withStarRocks(sqlEndpoint(p), { timeoutMs: timeoutOf(p) }, (c) => converge(c, p, true));
    return { id: String(p.name), outs: outs(p, v) };
  },

  async read(id: string, props: Props) {
    const v = await withStarRocks(sqlEndpoint(props), { timeoutMs: timeoutOf(props) }, (c) => describeStorageVolume(c, id));
    if (!v) return { id: "", props: {} };
    return {
      id,
      props: {
        ...props,
        location: v.location.replace(/\/+$/, "") === String(props.location).replace(/\/+$/, "") ? props.location : v.location,
        endpoint: v.params["aws.s3.endpoint"] ?? props.endpoint,
        region: v.params["aws.s3.region"] ?? props.region,
        isDefault: v.isDefault,
        enabled: v.enabled,
      },
    };
  },

  async update(_id: string, olds: Props, news: Props) {
    const p = plain(news);
    const credentialsChanged = olds.accessKey !== p.accessKey || olds.secretKey !== p.secretKey;
    const v = await withStarRocks(sqlEndpoint(p), { timeoutMs: timeoutOf(p) }, (c) => converge(c, p, credentialsChanged));
    return { outs: outs(p, v) };
  },

  async delete(id: string, props: Props) {
    await withStarRocks(sqlEndpoint(props), { timeoutMs: timeoutOf(props) }, async (c) => {
      const v = await describeStorageVolume(c, id);
      if (!v) return;
      // StarRocks never drops the default volume ("default storage volume can not be removed",
      // DROP_STORAGE_VOLUME.md). It lives only in FE metadata, which a stack destroy removes with the FE.
      if (v.isDefault) return;
      try {
        await dropStorageVolume(c, id);
      } catch (err) {
        if (SV_IS_DEFAULT.test((err as Error).message)) return;
        throw new Error(`could not drop StarRocks storage volume "${id}" at ${props.host}:${props.port}: ${(err as Error).message}. Drop the databases and tables on it first.`);
      }
    });
  },
};

export interface StorageVolumeArgs extends SqlEndpointArgs {
  name: pulumi.Input<string>;
  /** s3://<bucket>/<prefix> */
  location: pulumi.Input<string>;
  /** Endpoint as the FE and CNs reach MinIO (Docker DNS), e.g. http://minio:9000. */
  endpoint: pulumi.Input<string>;
  region: pulumi.Input<string>;
  /** Secret. */
  accessKey: pulumi.Input<string>;
  /** Secret. */
  secretKey: pulumi.Input<string>;
  allowDestructiveChanges?: pulumi.Input<boolean>;
}

export class StorageVolume extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly location: pulumi.Output<string>;
  declare readonly isDefault: pulumi.Output<boolean>;
  declare readonly enabled: pulumi.Output<boolean>;

  constructor(name: string, args: StorageVolumeArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      storageVolumeProvider,
      name,
      { ...args, providerVersion: PROVIDER_VERSION, isDefault: undefined, enabled: undefined },
      { ...opts, additionalSecretOutputs: ["password", "accessKey", "secretKey", ...(opts?.additionalSecretOutputs ?? [])] },
      "starrocks",
      "StorageVolume",
    );
  }
}
