/**
 * StarRocks loader user for the Flink sink (module "starrocks", type "LoaderUser"): CREATE USER IF NOT
 * EXISTS, then GRANT SELECT, INSERT ON ALL TABLES IN DATABASE <db> (starrocks.md §10), and nothing else.
 * A password change is ALTER USER ... IDENTIFIED BY in place. Read checks the user exists (SHOW USERS), its
 * grants (SHOW GRANTS FOR) and whether its password still logs in.
 *
 * Ownership, because stacks may share one external StarRocks:
 * - create refuses to adopt an existing user that holds grants on a database this resource does not manage
 *   (another stack's loader, or one granted by hand), naming the user, the databases and the way out;
 * - only databases this resource granted itself are ever revoked: the previous sink database after `database`
 *   changed (kept in `previousDatabases`); grants on other databases are reported as `foreignGrants`, never touched;
 * - delete drops the user only when it holds nothing but this resource's grants; otherwise it revokes those.
 * A new user name is created before the old user is deleted (no delete-before-replace), so the CDC jobs move
 * to the new user while the old one still works.
 */
import * as pulumi from "@pulumi/pulumi";
import { AccessDeniedError, SqlConnection } from "../clients/mysql";
import {
  alterUserPassword,
  connectStarRocks,
  createLoaderUser,
  dropUser,
  databasesInGrants,
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
import { ChangePolicy, Props, diffByPolicy, driftWhen } from "./policy";
import { PROVIDER_VERSION } from "./version";

export const LOADER_USER_POLICY: ChangePolicy = {
  ...SQL_ENDPOINT_POLICY,
  loaderUser: "replace",
  loaderPassword: "update",
  database: "update",
  providerVersion: "update",
  timeoutMs: "ignore",
  previousDatabases: "ignore",
  foreignGrants: "ignore",
  missingPrivileges: driftWhen((o) => Array.isArray(o.missingPrivileges) && o.missingPrivileges.length > 0),
  staleGrants: driftWhen((o) => Array.isArray(o.staleGrants) && o.staleGrants.length > 0),
  passwordWorks: driftWhen((o) => o.passwordWorks === false),
};

export interface LoaderUserState {
  exists: boolean;
  missingPrivileges: string[];
  /** Earlier sink databases of this resource on which the user still holds loader privileges (revoked by the next up). */
  staleGrants: string[];
  /** Databases this resource never managed on which the user holds grants: another stack's or granted by hand; never revoked. */
  foreignGrants: string[];
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

/** Earlier sink databases of this resource (outputs `previousDatabases`), without the current one. */
function previousOf(p: Props): string[] {
  const list = Array.isArray(p.previousDatabases) ? (p.previousDatabases as unknown[]).filter((d): d is string => typeof d === "string") : [];
  return list.filter((d) => d.toUpperCase() !== String(p.database).toUpperCase());
}

async function observe(c: SqlConnection, p: Props): Promise<LoaderUserState> {
  const user = String(p.loaderUser);
  if (!(await userExists(c, user))) return { exists: false, missingPrivileges: [...LOADER_PRIVILEGES], staleGrants: [], foreignGrants: [], passwordWorks: false };
  const grants = await showGrants(c, user);
  const wanted = String(p.database).toUpperCase();
  const previous = previousOf(p).map((d) => d.toUpperCase());
  return {
    exists: true,
    missingPrivileges: missingDatabaseTablePrivileges(grants, String(p.database), LOADER_PRIVILEGES),
    staleGrants: databasesWithTableGrants(grants, LOADER_PRIVILEGES).filter((db) => previous.includes(db.toUpperCase())),
    foreignGrants: databasesInGrants(grants).filter((db) => db.toUpperCase() !== wanted && !previous.includes(db.toUpperCase())),
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

/** Why an existing user is not adopted: it holds grants on databases this stack does not manage. */
export function adoptionRefusal(user: string, database: string, foreign: string[]): string {
  return (
    `StarRocks user '${user}' already exists and holds grants on ${foreign.length === 1 ? "database" : "databases"} ${foreign.join(", ")}, ` +
    `which this stack does not manage (its sink database is ${database}): it belongs to another stack or was granted by hand, ` +
    `so this stack does not take it over. Give this stack a user of its own (npm run pulumi -- config set loaderUser <name>; ` +
    `the default, empty, is flink_loader_<stack>), or, if the user really is this stack's, revoke those grants ` +
    `(REVOKE ... ON ALL TABLES IN DATABASE <db> FROM USER '${user}'@'%') and run up again.`
  );
}

async function converge(p: Props, passwordChanged: boolean, adopting: boolean): Promise<LoaderUserState> {
  return withStarRocks(sqlEndpoint(p), { timeoutMs: timeoutOf(p), secrets: [String(p.loaderPassword)] }, async (c) => {
    const user = String(p.loaderUser);
    const pw = String(p.loaderPassword);
    const before = await observe(c, p);
    if (adopting && before.exists && before.foreignGrants.length) throw new Error(adoptionRefusal(user, String(p.database), before.foreignGrants));
    for (const step of planLoaderUser(before, passwordChanged)) {
      if (step === "create") await createLoaderUser(c, user, pw);
      if (step === "alterPassword") await alterUserPassword(c, user, pw);
      if (step === "grant") await grantLoader(c, user, String(p.database));
      if (typeof step === "object") await revokeLoader(c, user, step.revoke);
    }
    return observe(c, p);
  });
}

function outs(p: Props, s: LoaderUserState): Props {
  return { ...p, previousDatabases: previousOf(p), missingPrivileges: s.missingPrivileges, staleGrants: s.staleGrants, foreignGrants: s.foreignGrants, passwordWorks: s.passwordWorks };
}

export const loaderUserProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: Props, news: Props) {
    const inputs = withDefaults(news, { user: "root" });
    const failures = checkInputs(inputs, { ...SQL_ENDPOINT_RULES, loaderUser: "nonEmptyString", loaderPassword: "nonEmptyString", database: "nonEmptyString" });
    if (inputs.loaderUser === "root") failures.push({ property: "loaderUser", reason: "loaderUser: must not be root; the sink gets its own least-privilege user" });
    return { inputs, failures };
  },
  async diff(_id: string, olds: Props, news: Props) {
    const d = diffByPolicy(olds, news, LOADER_USER_POLICY);
    // A new name is another user: create it first, move the jobs, then delete the old one.
    const onlyRenamed = d.replaces.length === 1 && d.replaces[0] === "loaderUser";
    return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: onlyRenamed ? false : d.deleteBeforeReplace };
  },
  async create(inputs: Props) {
    const p = plain(inputs);
    // An existing user is adopted (and gets the stack's password) only when it holds no other database's grants.
    const s = await converge(p, true, true);
    return { id: String(p.loaderUser), outs: outs(p, s) };
  },
  async read(id: string, props: Props) {
    const s = await withStarRocks(sqlEndpoint(props), { timeoutMs: timeoutOf(props) }, (c) => observe(c, props));
    if (!s.exists) return { id: "", props: {} };
    return { id, props: outs(props, s) };
  },
  async update(_id: string, olds: Props, news: Props) {
    const p = plain(news);
    // The databases this resource granted before stay its own to revoke.
    const moved = typeof olds.database === "string" && olds.database.toUpperCase() !== String(p.database).toUpperCase() ? [olds.database] : [];
    const withHistory = { ...p, previousDatabases: [...new Set([...previousOf({ ...olds, database: p.database }), ...moved])] };
    const s = await converge(withHistory, olds.loaderPassword !== p.loaderPassword, false);
    return { outs: outs(withHistory, s) };
  },
  async delete(id: string, props: Props) {
    await withStarRocks(sqlEndpoint(props), { timeoutMs: timeoutOf(props) }, async (c) => {
      if (!(await userExists(c, id))) return;
      const s = await observe(c, { ...props, loaderUser: id });
      if (s.foreignGrants.length === 0) {
        await dropUser(c, id);
        return;
      }
      // Another stack's (or a hand-made) grant: keep the user, take back only what this resource granted.
      const grants = await showGrants(c, id);
      const own = [String(props.database), ...previousOf(props)].map((d) => d.toUpperCase());
      for (const db of databasesWithTableGrants(grants, LOADER_PRIVILEGES).filter((d) => own.includes(d.toUpperCase()))) await revokeLoader(c, id, db);
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
  declare readonly foreignGrants: pulumi.Output<string[]>;
  declare readonly previousDatabases: pulumi.Output<string[]>;
  declare readonly passwordWorks: pulumi.Output<boolean>;
  constructor(name: string, args: LoaderUserArgs, opts?: pulumi.CustomResourceOptions) {
    super(loaderUserProvider, name, { ...args, providerVersion: PROVIDER_VERSION, missingPrivileges: undefined, staleGrants: undefined, foreignGrants: undefined, previousDatabases: undefined, passwordWorks: undefined },
      { ...opts, additionalSecretOutputs: ["password", "loaderPassword", ...(opts?.additionalSecretOutputs ?? [])] }, "starrocks", "LoaderUser");
  }
}
