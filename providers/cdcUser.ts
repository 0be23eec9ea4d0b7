/**
 * MySQL CDC user (module "mysql", type "CdcUser"): exactly the global privileges mysql-cdc needs
 * (render/mysql.ts CDC_PRIVILEGES: SELECT, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT; flink.md §7).
 * Password rotation is ALTER USER ... IDENTIFIED BY in place. Read checks the account exists, its grants
 * (SHOW GRANTS FOR) and whether its password logs in.
 */
import * as pulumi from "@pulumi/pulumi";
import { AccessDeniedError, SqlConnection, connectMysql, query, withMysql } from "../clients/mysql";
import { globalPrivileges } from "../clients/preflight";
import { CDC_PRIVILEGES, alterCdcUserPasswordSql, createCdcUserSql, dropCdcUserSql, grantCdcSql } from "../render/mysql";
import { account } from "../render/sql";
import { SQL_ENDPOINT_RULES, checkInputs, plain, sqlEndpoint, timeoutOf, withDefaults, SqlEndpointArgs, SQL_ENDPOINT_POLICY } from "./common";
import { ChangePolicy, Props, policyDiff, driftWhen } from "./policy";
import { PROVIDER_VERSION } from "./version";

const SERVICE = "MySQL source";

export const CDC_USER_POLICY: ChangePolicy = {
  ...SQL_ENDPOINT_POLICY,
  cdcUser: "replace",
  cdcPassword: "update",
  providerVersion: "update",
  timeoutMs: "ignore",
  missingPrivileges: driftWhen((o) => Array.isArray(o.missingPrivileges) && o.missingPrivileges.length > 0),
  passwordWorks: driftWhen((o) => o.passwordWorks === false),
};

export interface CdcUserState {
  exists: boolean;
  missingPrivileges: string[];
  passwordWorks: boolean;
}

async function userExists(c: SqlConnection, user: string): Promise<boolean> {
  const rows = await query(c, "SELECT COUNT(*) AS n FROM mysql.user WHERE User = ? AND Host = '%'", [user]);
  return Number(rows[0]?.n ?? 0) > 0;
}

async function passwordWorks(p: Props): Promise<boolean> {
  try {
    const c = await connectMysql({ host: String(p.host), port: Number(p.port), user: String(p.cdcUser), password: String(p.cdcPassword) }, { service: SERVICE, timeoutMs: timeoutOf(p) });
    await c.end().catch(() => c.destroy());
    return true;
  } catch (err) {
    if (err instanceof AccessDeniedError) return false;
    throw err;
  }
}

async function observe(c: SqlConnection, p: Props): Promise<CdcUserState> {
  const user = String(p.cdcUser);
  if (!(await userExists(c, user))) return { exists: false, missingPrivileges: [...CDC_PRIVILEGES], passwordWorks: false };
  const rows = await query(c, `SHOW GRANTS FOR ${account(user)}`);
  const have = globalPrivileges(rows.map((r) => String(Object.values(r)[0] ?? "")));
  return { exists: true, missingPrivileges: CDC_PRIVILEGES.filter((x) => !have.has(x)), passwordWorks: await passwordWorks(p) };
}

/** Pure: statements needed to reach the wanted state. */
export function planCdcUser(s: CdcUserState, passwordChanged: boolean): Array<"create" | "alterPassword" | "grant"> {
  const steps: Array<"create" | "alterPassword" | "grant"> = [];
  if (!s.exists) steps.push("create");
  else if (passwordChanged || !s.passwordWorks) steps.push("alterPassword");
  if (!s.exists || s.missingPrivileges.length) steps.push("grant");
  return steps;
}

async function converge(p: Props, passwordChanged: boolean): Promise<CdcUserState> {
  const pw = String(p.cdcPassword);
  return withMysql(sqlEndpoint(p), { service: SERVICE, timeoutMs: timeoutOf(p), secrets: [pw] }, async (c) => {
    const user = String(p.cdcUser);
    for (const step of planCdcUser(await observe(c, p), passwordChanged)) {
      if (step === "create") await query(c, createCdcUserSql(user, pw), undefined, [pw]);
      if (step === "alterPassword") await query(c, alterCdcUserPasswordSql(user, pw), undefined, [pw]);
      if (step === "grant") await query(c, grantCdcSql(user));
    }
    return observe(c, p);
  });
}

function outs(p: Props, s: CdcUserState): Props {
  return { ...p, missingPrivileges: s.missingPrivileges, passwordWorks: s.passwordWorks };
}

export const cdcUserProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: Props, news: Props) {
    const inputs = withDefaults(news, { user: "root" });
    const failures = checkInputs(inputs, { ...SQL_ENDPOINT_RULES, cdcUser: "nonEmptyString", cdcPassword: "nonEmptyString" });
    return { inputs, failures };
  },
  diff: policyDiff(CDC_USER_POLICY),
  async create(inputs: Props) {
    const p = plain(inputs);
    const s = await converge(p, true);
    return { id: String(p.cdcUser), outs: outs(p, s) };
  },
  async read(id: string, props: Props) {
    const s = await withMysql(sqlEndpoint(props), { service: SERVICE, timeoutMs: timeoutOf(props) }, (c) => observe(c, props));
    if (!s.exists) return { id: "", props: {} };
    return { id, props: outs(props, s) };
  },
  async update(_id: string, olds: Props, news: Props) {
    const p = plain(news);
    const s = await converge(p, olds.cdcPassword !== p.cdcPassword);
    return { outs: outs(p, s) };
  },
  async delete(id: string, props: Props) {
    await withMysql(sqlEndpoint(props), { service: SERVICE, timeoutMs: timeoutOf(props) }, async (c) => {
      await query(c, dropCdcUserSql(id));
    });
  },
};

export interface CdcUserArgs extends SqlEndpointArgs {
  cdcUser: pulumi.Input<string>;
  /** Secret. */
  cdcPassword: pulumi.Input<string>;
}

export class CdcUser extends pulumi.dynamic.Resource {
  declare readonly cdcUser: pulumi.Output<string>;
  declare readonly cdcPassword: pulumi.Output<string>;
  declare readonly missingPrivileges: pulumi.Output<string[]>;
  declare readonly passwordWorks: pulumi.Output<boolean>;
  constructor(name: string, args: CdcUserArgs, opts?: pulumi.CustomResourceOptions) {
    super(cdcUserProvider, name, { ...args, providerVersion: PROVIDER_VERSION, missingPrivileges: undefined, passwordWorks: undefined },
      { ...opts, additionalSecretOutputs: ["password", "cdcPassword", ...(opts?.additionalSecretOutputs ?? [])] }, "mysql", "CdcUser");
  }
}
