/**
 * Source preflight (module "mysql", type "SourcePreflight"), in every mode: runs clients/preflight.ts and
 * fails `pulumi up` with every failed check (setting, found, needed, fix) before any CDC job is submitted.
 * Read re-runs the checks, so `pulumi refresh` shows a source that drifted (then the next up fails again).
 */
import * as pulumi from "@pulumi/pulumi";
import { address } from "../clients/mysql";
import { PreflightCheck, formatFailures, runPreflightChecks } from "../clients/preflight";
import { SQL_ENDPOINT_RULES, checkInputs, plain, sqlEndpoint, timeoutOf, withDefaults, SqlEndpointArgs, SQL_ENDPOINT_POLICY } from "./common";
import { ChangePolicy, Props, policyDiff, driftWhen } from "./policy";
import { PROVIDER_VERSION } from "./version";

export const SOURCE_PREFLIGHT_POLICY: ChangePolicy = {
  ...SQL_ENDPOINT_POLICY,
  timeZone: "update",
  minBinlogRetentionSeconds: "update",
  cdcUser: "update",
  providerVersion: "update",
  timeoutMs: "ignore",
  ok: driftWhen((o) => o.ok === false),
};

async function run(p: Props): Promise<PreflightCheck[]> {
  return runPreflightChecks(
    sqlEndpoint(p),
    { timeZone: String(p.timeZone), minBinlogRetentionSeconds: Number(p.minBinlogRetentionSeconds), cdcUser: typeof p.cdcUser === "string" && p.cdcUser ? p.cdcUser : undefined },
    { timeoutMs: timeoutOf(p) },
  );
}

async function enforce(p: Props): Promise<Props> {
  const checks = await run(p);
  if (checks.some((c) => !c.ok)) {
    throw new Error(`MySQL source at ${address(sqlEndpoint(p))} is not ready for CDC:\n${formatFailures(checks)}\nFix these and run pulumi up again; no CDC job was submitted.`);
  }
  return { ...p, checks, ok: true };
}

export const sourcePreflightProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds: Props, news: Props) {
    const inputs = withDefaults(news, { user: "root" });
    const failures = checkInputs(inputs, { ...SQL_ENDPOINT_RULES, timeZone: "nonEmptyString", minBinlogRetentionSeconds: "nonNegativeInt", cdcUser: "optionalString" });
    return { inputs, failures };
  },
  diff: policyDiff(SOURCE_PREFLIGHT_POLICY),
  async create(inputs: Props) {
    const p = plain(inputs);
    return { id: `${p.host}:${p.port}`, outs: await enforce(p) };
  },
  async read(id: string, props: Props) {
    const checks = await run(props);
    return { id, props: { ...props, checks, ok: checks.every((c) => c.ok) } };
  },
  async update(_id: string, _olds: Props, news: Props) {
    return { outs: await enforce(plain(news)) };
  },
  // A check owns nothing on the server.
  async delete() {
    return;
  },
};

export interface SourcePreflightArgs extends SqlEndpointArgs {
  /** The CDC user, whose own grants are checked unless cdcUser is given. */
  user: pulumi.Input<string>;
  /** The stack's sourceTimeZone. */
  timeZone: pulumi.Input<string>;
  minBinlogRetentionSeconds: pulumi.Input<number>;
  /** Whose grants to check (default: the connected user). */
  cdcUser?: pulumi.Input<string>;
}

export class SourcePreflight extends pulumi.dynamic.Resource {
  declare readonly checks: pulumi.Output<PreflightCheck[]>;
  declare readonly ok: pulumi.Output<boolean>;
  constructor(name: string, args: SourcePreflightArgs, opts?: pulumi.CustomResourceOptions) {
    super(sourcePreflightProvider, name, { ...args, providerVersion: PROVIDER_VERSION, checks: undefined, ok: undefined },
      { ...opts, additionalSecretOutputs: ["password", ...(opts?.additionalSecretOutputs ?? [])] }, "mysql", "SourcePreflight");
  }
}
