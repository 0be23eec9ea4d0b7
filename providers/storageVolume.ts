/**
 * StarRocks storage volume (module "starrocks", type "StorageVolume"): an S3 volume on MinIO, enabled and
 * set as the default (starrocks.md §4). Credentials change in place with ALTER STORAGE VOLUME ... SET.
 *
 * A location, endpoint or region change is refused in check and diff, never planned as a replacement: ALTER
 * STORAGE VOLUME alters only credential properties, comment and `enabled` ("The TYPE, LOCATIONS, and other
 * path-related properties of an existing storage volume cannot be altered", ALTER_STORAGE_VOLUME.md, 3.5),
 * and a replacement could never finish either: StarRocks refuses to drop the default volume ("default storage
 * volume can not be removed") or one a database or table still uses ("... is referenced by dbs or tables",
 * StorageVolumeMgr.removeStorageVolume), so the new volume's create would find the old one. Read reports
 * the volume as DESC STORAGE VOLUME shows it (location, endpoint, region, enabled, default); the keys are
 * masked there, so credentials are the stack's.
 */
import * as pulumi from "@pulumi/pulumi";
import { SqlConnection } from "../clients/mysql";
import {
  SV_IS_DEFAULT,
  SV_REFERENCED,
  StorageVolumeInfo,
  alterStorageVolume,
  createStorageVolume,
  describeStorageVolume,
  dropStorageVolume,
  setDefaultStorageVolume,
  withStarRocks,
} from "../clients/starrocks";
import { VolumeSpec } from "../render/starrocks";
import { SQL_ENDPOINT_RULES, checkInputs, isUnknown, plain, sqlEndpoint, timeoutOf, withDefaults, SqlEndpointArgs, SQL_ENDPOINT_POLICY } from "./common";
import { ChangePolicy, Props, diffByPolicy, driftWhen } from "./policy";
import { PROVIDER_VERSION } from "./version";

/** Properties StarRocks never changes on an existing volume, with the config key that sets each. */
const FIXED_KEYS: Record<string, string> = { location: "bucket", endpoint: "(derived from the MinIO container)", region: "s3Region" };

export const STORAGE_VOLUME_POLICY: ChangePolicy = {
  ...SQL_ENDPOINT_POLICY,
  // Another name is another volume: the old one stays (see delete), the new one is created.
  name: "replace",
  // Refused before the policy applies (fixedChanges), so they never reach it changed.
  location: "ignore",
  endpoint: "ignore",
  region: "ignore",
  accessKey: "update",
  secretKey: "update",
  // Kept for older stacks; nothing about a volume is destructive-but-allowed any more.
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

/** Fixed properties whose recorded value (old inputs or refreshed outputs) differs from the wanted one. */
export function fixedChanges(olds: Props, news: Props): string[] {
  return Object.keys(FIXED_KEYS).filter((k) => {
    const [o, n] = [olds[k], news[k]];
    if (o === undefined || o === null || isUnknown(n)) return false;
    return k === "location" ? !sameLocation(String(o), String(n)) : String(o) !== String(n);
  });
}

/** The refusal: what cannot change, why, and the two ways out. */
export function fixedChangeRefusal(name: unknown, olds: Props, news: Props, keys: string[]): string {
  const what = keys.map((k) => `${k} ${olds[k]} -> ${news[k]} (config ${FIXED_KEYS[k]})`).join(", ");
  return (
    `StarRocks storage volume "${name}": ${what} cannot be applied. StarRocks keeps a volume's location and path properties for life ` +
    `(ALTER STORAGE VOLUME changes credentials only), and never drops the default volume or one that databases or tables use, ` +
    `so neither an update nor a replacement can succeed. Either set the old value back, or start the sink over: ` +
    `\`npm run destroy\` without retainData (the FE metadata volume goes, and with it this volume and the StarRocks tables), ` +
    `then \`pulumi up\`; the CDC jobs re-snapshot every table from MySQL.`
  );
}

/** Pure: which statements bring the observed volume to the wanted state. */
export function planStorageVolume(actual: StorageVolumeInfo | undefined, p: Props, credentialsChanged: boolean): Array<"create" | "alterCredentials" | "enable" | "setDefault"> {
  if (!actual) return ["create", "setDefault"];
  const observed = { location: actual.location, endpoint: actual.params["aws.s3.endpoint"], region: actual.params["aws.s3.region"] };
  const changed = fixedChanges(observed, p);
  if (changed.length) throw new Error(`already exists with other settings. ${fixedChangeRefusal(p.name, observed, p, changed)}`);
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
  async check(olds: Props, news: Props) {
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
    // olds are the previous inputs (empty on create); the same volume cannot move.
    if (olds.name === undefined || olds.name === inputs.name) {
      const changed = fixedChanges(olds, inputs);
      if (changed.length) failures.push({ property: changed[0], reason: fixedChangeRefusal(inputs.name, olds, inputs, changed) });
    }
    return { inputs, failures };
  },

  async diff(_id: string, olds: Props, news: Props) {
    // olds are the recorded outputs: after a refresh, what DESC STORAGE VOLUME showed.
    if (olds.name === news.name || isUnknown(news.name)) {
      const changed = fixedChanges(olds, news);
      if (changed.length) throw new Error(fixedChangeRefusal(olds.name, olds, news, changed));
    }
    const d = diffByPolicy(olds, news, STORAGE_VOLUME_POLICY);
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
        // What StarRocks really holds; a difference from the stack is refused by the next diff with the way out.
        location: sameLocation(v.location, String(props.location)) ? props.location : v.location,
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
    const log = (msg: string) => process.stderr.write(`[starrocks:StorageVolume] ${msg}\n`);
    await withStarRocks(sqlEndpoint(props), { timeoutMs: timeoutOf(props) }, async (c) => {
      const v = await describeStorageVolume(c, id);
      if (!v) return;
      const kept = `It stays in the FE metadata (its data on ${v.location} is not touched); the FE metadata volume goes with a destroy without retainData.`;
      // StarRocks never drops the default volume ("default storage volume can not be removed",
      // DROP_STORAGE_VOLUME.md).
      if (v.isDefault) {
        log(`storage volume "${id}" is the default volume, which StarRocks never drops. ${kept}`);
        return;
      }
      try {
        await dropStorageVolume(c, id);
      } catch (err) {
        const msg = (err as Error).message;
        if (SV_IS_DEFAULT.test(msg)) return log(`storage volume "${id}" became the default volume, which StarRocks never drops. ${kept}`);
        // Databases and tables dropped without FORCE keep the volume referenced from the recycle bin for
        // catalog_trash_expire_second (24 h). The stack drops its own with FORCE; anything else is not ours.
        if (SV_REFERENCED.test(msg)) {
          return log(
            `StarRocks refused to drop storage volume "${id}": ${msg}. These are databases or tables outside this stack, or ones dropped ` +
              `without FORCE that sit in the recycle bin until catalog_trash_expire_second passes. ${kept} Drop it later with DROP STORAGE VOLUME ${id}.`,
          );
        }
        throw new Error(`could not drop StarRocks storage volume "${id}" at ${props.host}:${props.port}: ${msg}`);
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
