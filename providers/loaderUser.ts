/**
 * StarRocks loader user for the Flink sink (module "starrocks", type "LoaderUser"): CREATE USER IF NOT
 * EXISTS, then GRANT SELECT, INSERT ON ALL TABLES IN DATABASE <db> (starrocks.md §10), and nothing else:
 * the same privileges on any other database (the previous sink database after `database` changed) are
 * revoked (REVOKE ... FROM USER, REVOKE.md). A password change is ALTER USER ... IDENTIFIED BY in place.
 * Read checks the user exists (SHOW USERS), its grants (SHOW GRANTS FOR) and whether its password still
 * logs in.
 */
import * as pulumi from "@pulumi/pulumi";
import { AccessDeniedError, SqlConnection } from "../clients/mysql";
import {
  alterUserPassword,
  connectStarRocks,
  createLoaderUser,
  dropUser,
  databasesWithTableGrants,
  grantLoader,
  missingDatabaseTablePrivileges,
  revokeLoader,
  showGrants,
  userExists,
  withStarRocks,
} from "../clients/starrocks";
import { LOADER_PRIVILEGES } from "../render/starrocks";
import { SQL_ENDPOINT_RULES, checkInputs, plain, sqlEndpoint, timeoutOf, withDefaults, SqlEndpointArgs, SQL_ENDPOINT_POLICY } from "./common";
import { ChangePolicy, Props, policyDiff, driftWhen } from "./policy";
import { PROVIDER_VERSION } from "./version";

export const LOADER_USER_POLICY: ChangePolicy = {
  ...SQL_ENDPOINT_POLICY,
  loaderUser: "replace",
  loaderPassword: "update",
  database: "update",
  providerVersion: "update",
  timeoutMs: "ignore",
  missingPrivileges: driftWhen((o) => Array.isArray(o.missingPrivileges) && o.missingPrivileges.length > 0),
  staleGrants: driftWhen((o) => Array.isArray(o.staleGrants) && o.staleGrants.length > 0),
  passwordWorks: driftWhen((o) => o.passwordWorks === false),
};

export interface LoaderUserState {
  exists: boolean;
  missingPrivileges: string[];
  /** Other databases on which the user holds loader privileges (e.g. the previous sink database). */
  staleGrants: string[];
  passwordWorks: boolean;
}

async function passwordWorks(p: Props): Promise<boolean> {
  try {
    const c = await connectStarRocks({ host: String(p.host), port: Number(p.port), user: String(p.loaderUser), password: String(p.loaderPassword) }, { timeoutMs: timeoutOf(p) });
    await c.end().catch(() => c.destroy());
    return true;
  } catch (err) {
    if (err instanceof AccessDeniedError) return false;
    throw err;
  }
}

async function observe(c: SqlConnection, p: Props): Promise<LoaderUserState> {
  const user = String(p.loaderUser);
  if (!(await userExists(c, user))) return { exists: false, missingPrivileges: [...LOADER_PRIVILEGES], staleGrants: [], passwordWorks: false };
  const grants = await showGrants(c, user);
  const wanted = String(p.database).toUpperCase();
  return {
    exists: true,
    missingPrivileges: missingDatabaseTablePrivileges(grants, String(p.database), LOADER_PRIVILEGES),
    staleGrants: databasesWithTableGrants(grants, LOADER_PRIVILEGES).filter((db) => db.toUpperCase() !== wanted),
    passwordWorks: await passwordWorks(p),
  };
}

export type LoaderUserStep = "create" | "alterPassword" | "grant" | { revoke: string };

/** Pure: statements needed to reach the wanted state (grant the new database before revoking the old). */
export function planLoaderUser(s: LoaderUserState, passwordChanged: boolean): LoaderUserStep[] {
  const steps: LoaderUserStep[] = [];
  if (!s.exists) steps.push("create");
  else if (passwordChanged || !s.passwordWorks) steps.push("alterPassword");
  if (!s.exists || s.missingPrivileges.length) steps.push("grant");
  for (const db of s.staleGrants) steps.push({ revoke: db });
  return steps;
}

async function converge(p: Props, passwordChanged: boolean): Promise<LoaderUserState> {
  return withStarRocks(sqlEndpoint(p), { timeoutMs: timeoutOf(p), secrets: [String(p.loaderPassword)] }, async (c) => {
    const user = String(p.loaderUser);
    const pw = String(p.loaderPassword);
    for (const step of planLoaderUser(await observe(c, p), passwordChanged)) {
      if (step === "create") await createLoaderUser(c, user, pw);
      if (step === "alterPassword") await alterUserPassword(c, user, pw);
      if (step === "grant") await grantLoader(c, user, String(p.database));
      if (typeof step === "object") await revokeLoader(c, user, step.revoke);
    }
    return observe(c, p);
  });
}

function outs(p: Props, s: LoaderUserState): Props {
  return { ...p, missingPrivileges: s.missingPrivileges, staleGrants: s.staleGrants, passwordWorks: s.passwordWorks };
}

export const loaderUserProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: Props, news: Props) {
    const inputs = withDefaults(news, { user: "root" });
    const failures = checkInputs(inputs, { ...SQL_ENDPOINT_RULES, loaderUser: "nonEmptyString", loaderPassword: "nonEmptyString", database: "nonEmptyString" });
    if (inputs.loaderUser === "root") failures.push({ property: "loaderUser", reason: "loaderUser: must not be root; the sink gets its own least-privilege user" });
    return { inputs, failures };
  },
  diff: policyDiff(LOADER_USER_POLICY),
  async create(inputs: Props) {
    const p = plain(inputs);
    // An existing user is adopted and gets the stack's password.
    const s = await converge(p, true);
    return { id: String(p.loaderUser), outs: outs(p, s) };
  },
  async read(id: string, props: Props) {
    const s = await withStarRocks(sqlEndpoint(props), { timeoutMs: timeoutOf(props) }, (c) => observe(c, props));
    if (!s.exists) return { id: "", props: {} };
    return { id, props: outs(props, s) };
  },
  async update(_id: string, olds: Props, news: Props) {
    const p = plain(news);
    const s = await converge(p, olds.loaderPassword !== p.loaderPassword);
    return { outs: outs(p, s) };
  },
  async delete(id: string, props: Props) {
    await withStarRocks(sqlEndpoint(props), { timeoutMs: timeoutOf(props) }, async (c) => {
      if (await userExists(c, id)) await dropUser(c, id);
    });
  },
};

export interface LoaderUserArgs extends SqlEndpointArgs {
  loaderUser: pulumi.Input<string>;
  /** Secret. */
  loaderPassword: pulumi.Input<string>;
  database: pulumi.Input<string>;
}

export class LoaderUser extends pulumi.dynamic.Resource {
  declare readonly loaderUser: pulumi.Output<string>;
  declare readonly loaderPassword: pulumi.Output<string>;
  declare readonly missingPrivileges: pulumi.Output<string[]>;
  declare readonly staleGrants: pulumi.Output<string[]>;
  declare readonly passwordWorks: pulumi.Output<boolean>;
  constructor(name: string, args: LoaderUserArgs, opts?: pulumi.CustomResourceOptions) {
    super(loaderUserProvider, name, { ...args, providerVersion: PROVIDER_VERSION, missingPrivileges: undefined, staleGrants: undefined, passwordWorks: undefined },
      { ...opts, additionalSecretOutputs: ["password", "loaderPassword", ...(opts?.additionalSecretOutputs ?? [])] }, "starrocks", "LoaderUser");
  }
}
