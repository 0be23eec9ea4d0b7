/**
 * StarRocks root password (module "starrocks", type "RootPassword"). root starts with an empty password
 * (starrocks.md §10). Connects with the target password first and falls back to the previous one and then
 * to the empty one, so re-runs and adoption work; sets it with SET PASSWORD = PASSWORD('<pw>') and verifies
 * by logging in with it. Read reports whether the stored password still works.
 */
import * as pulumi from "@pulumi/pulumi";
import { AccessDeniedError, MysqlConnectionInfo, SqlConnection, address } from "../clients/mysql";
import { connectStarRocks, setOwnPassword } from "../clients/starrocks";
import { SQL_ENDPOINT_RULES, checkInputs, plain, sqlEndpoint, timeoutOf, withDefaults, SqlEndpointArgs } from "./common";
import { ChangePolicy, Props, policyDiff, driftWhen } from "./policy";
import { PROVIDER_VERSION } from "./version";

export const ROOT_PASSWORD_POLICY: ChangePolicy = {
  host: "update",
  port: "update",
  user: "replace",
  password: "update",
  providerVersion: "update",
  timeoutMs: "ignore",
  passwordWorks: driftWhen((o) => o.passwordWorks === false),
};

/** Tries each candidate password in order; returns the first connection that logs in. */
async function loginWithAny(info: MysqlConnectionInfo, candidates: string[], timeoutMs: number): Promise<{ conn: SqlConnection; password: string }> {
  const tried = new Set<string>();
  let lastDenied: AccessDeniedError | undefined;
  for (const pw of candidates) {
    if (tried.has(pw)) continue;
    tried.add(pw);
    try {
      return { conn: await connectStarRocks({ ...info, password: pw }, { timeoutMs, secrets: candidates }), password: pw };
    } catch (err) {
      if (err instanceof AccessDeniedError) {
        lastDenied = err;
        continue;
      }
      throw err;
    }
  }
  throw new Error(
    `StarRocks FE at ${address(info)} refused user '${info.user}' with the stack's password, the previous one and an empty one ` +
      `(${lastDenied ? lastDenied.message : "no attempt"}). The password was changed outside Pulumi: set it back with ` +
      `SET PASSWORD FOR '${info.user}'@'%' = PASSWORD('<stack password>') (read it with pulumi stack output --show-secrets), then run pulumi up.`,
  );
}

/** Ensures `user` logs in with `password`; returns true when it had to change the password. */
async function ensurePassword(p: Props, previous?: string): Promise<boolean> {
  const info = sqlEndpoint(p);
  const target = String(p.password);
  const t = timeoutOf(p);
  const { conn, password } = await loginWithAny(info, [target, ...(previous !== undefined ? [previous] : []), ""], t);
  try {
    if (password === target) return false;
    await setOwnPassword(conn, target);
  } finally {
    await conn.end().catch(() => conn.destroy());
  }
  // Verify: a fresh login with the new password must work.
  const check = await connectStarRocks(info, { timeoutMs: t });
  await check.end().catch(() => check.destroy());
  return true;
}

export const rootPasswordProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: Props, news: Props) {
    const inputs = withDefaults(news, { user: "root" });
    const failures = checkInputs(inputs, SQL_ENDPOINT_RULES);
    if (inputs.password === "") failures.push({ property: "password", reason: "password: must not be empty (root starts with an empty password; this resource sets a real one)" });
    return { inputs, failures };
  },

  diff: policyDiff(ROOT_PASSWORD_POLICY),

  async create(inputs: Props) {
    const p = plain(inputs);
    const changed = await ensurePassword(p);
    return { id: String(p.user), outs: { ...p, passwordWorks: true, adopted: !changed } };
  },

  async read(id: string, props: Props) {
    let works = true;
    try {
      const c = await connectStarRocks(sqlEndpoint(props), { timeoutMs: timeoutOf(props) });
      await c.end().catch(() => c.destroy());
    } catch (err) {
      if (!(err instanceof AccessDeniedError)) throw err;
      works = false;
    }
    return { id, props: { ...props, passwordWorks: works } };
  },

  async update(_id: string, olds: Props, news: Props) {
    const p = plain(news);
    await ensurePassword(p, typeof olds.password === "string" ? olds.password : undefined);
    return { outs: { ...p, passwordWorks: true, adopted: Boolean(olds.adopted) } };
  },

  // Deleting the resource leaves the password in place: reverting root to an empty password would open
  // the cluster, and the FE's metadata (where the password lives) goes away with the stack anyway.
  async delete() {
    return;
  },
};

export interface RootPasswordArgs extends SqlEndpointArgs {

}

export class RootPassword extends pulumi.dynamic.Resource {
  /** Same value as the input, secret; pass it to every later StarRocks resource. */
  declare readonly password: pulumi.Output<string>;
  declare readonly passwordWorks: pulumi.Output<boolean>;
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: RootPasswordArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      rootPasswordProvider,
      name,
      { ...args, providerVersion: PROVIDER_VERSION, passwordWorks: undefined, adopted: undefined },
      { ...opts, additionalSecretOutputs: ["password", ...(opts?.additionalSecretOutputs ?? [])] },
      "starrocks",
      "RootPassword",
    );
  }
}
