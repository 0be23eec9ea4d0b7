/**
 * StarRocks database (module "starrocks", type "Database"): CREATE DATABASE IF NOT EXISTS on the default
 * volume (shared-data refuses it without one: "Default storage volume not exists"). Delete drops it with
 * FORCE when `forceDrop` (default): not blocked by loads COMMITTED but not VISIBLE, and not left in the
 * recycle bin where it would keep the storage volume referenced; a plain DROP otherwise, retried while
 * such loads exist.
 */
import * as pulumi from "@pulumi/pulumi";
import { createDatabase, dropDatabase, showDatabases, withStarRocks } from "../clients/starrocks";
import { SQL_ENDPOINT_RULES, checkInputs, plain, sqlEndpoint, timeoutOf, withDefaults, SqlEndpointArgs, SQL_ENDPOINT_POLICY } from "./common";
import { ChangePolicy, Props, policyDiff } from "./policy";
import { PROVIDER_VERSION } from "./version";

export const DATABASE_POLICY: ChangePolicy = {
  ...SQL_ENDPOINT_POLICY,
  database: "replace",
  // Used when the database is dropped; recorded by an update (which changes nothing in StarRocks), so delete sees the current value.
  forceDrop: "update",
  providerVersion: "update",
  timeoutMs: "ignore",
};

async function ensure(p: Props): Promise<boolean> {
  return withStarRocks(sqlEndpoint(p), { timeoutMs: timeoutOf(p) }, async (c) => {
    if ((await showDatabases(c)).includes(String(p.database))) return false;
    await createDatabase(c, String(p.database));
    return true;
  });
}

export const databaseProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: Props, news: Props) {
    const inputs = withDefaults(news, { user: "root", forceDrop: true });
    return { inputs, failures: checkInputs(inputs, { ...SQL_ENDPOINT_RULES, database: "nonEmptyString", forceDrop: "boolean" }) };
  },
  diff: policyDiff(DATABASE_POLICY),
  async create(inputs: Props) {
    const p = plain(inputs);
    const created = await ensure(p);
    return { id: String(p.database), outs: { ...p, adopted: !created } };
  },
  async read(id: string, props: Props) {
    const dbs = await withStarRocks(sqlEndpoint(props), { timeoutMs: timeoutOf(props) }, (c) => showDatabases(c));
    return dbs.includes(id) ? { id, props } : { id: "", props: {} };
  },
  async update(_id: string, olds: Props, news: Props) {
    const p = plain(news);
    await ensure(p);
    return { outs: { ...p, adopted: Boolean(olds.adopted) } };
  },
  async delete(id: string, props: Props) {
    await withStarRocks(sqlEndpoint(props), { timeoutMs: timeoutOf(props) }, async (c) => {
      const opts = { force: props.forceDrop !== false, timeoutMs: timeoutOf(props), where: `${props.host}:${props.port}` };
      if ((await showDatabases(c)).includes(id)) await dropDatabase(c, id, opts);
    });
  },
};

export interface DatabaseArgs extends SqlEndpointArgs {
  database: pulumi.Input<string>;
  /** Drop with FORCE when the database goes (default true). false = a plain DROP, recoverable until the recycle bin expires. */
  forceDrop?: pulumi.Input<boolean>;
}

export class Database extends pulumi.dynamic.Resource {
  declare readonly database: pulumi.Output<string>;
  declare readonly adopted: pulumi.Output<boolean>;
  constructor(name: string, args: DatabaseArgs, opts?: pulumi.CustomResourceOptions) {
    super(databaseProvider, name, { ...args, providerVersion: PROVIDER_VERSION, adopted: undefined },
      { ...opts, additionalSecretOutputs: ["password", ...(opts?.additionalSecretOutputs ?? [])] }, "starrocks", "Database");
  }
}
