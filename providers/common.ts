/**
 * Small helpers shared by the provider objects: input validation that tolerates preview's unknown
 * values, defaults, and the connection info providers build from their inputs. Plain code with no
 * captured state (providers are serialized by value) and no runtime @pulumi/pulumi import (types only).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { MysqlConnectionInfo } from "../clients/mysql";
import { ChangePolicy, Props, UNKNOWN, isUnknown } from "./policy";

export { UNKNOWN, isUnknown };

/** Default for `timeoutMs` (the stack's providerTimeout default is 5min). */
export const DEFAULT_TIMEOUT_MS = 300_000;

export interface CheckFailure {
  property: string;
  reason: string;
}

export interface CheckResult {
  inputs: Props;
  failures: CheckFailure[];
}

type Rule = "string" | "nonEmptyString" | "port" | "positiveInt" | "nonNegativeInt" | "boolean" | "stringArray" | "optionalString" | "optionalBoolean" | "object";

/** Validates inputs by rule; unknown values (preview) always pass. */
export function checkInputs(news: Props, rules: Record<string, Rule>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  for (const [key, rule] of Object.entries(rules)) {
    const v = news[key];
    if (isUnknown(v)) continue;
    const fail = (reason: string) => failures.push({ property: key, reason: `${key}: ${reason} (got ${describeValue(v)})` });
    switch (rule) {
      case "string":
        if (typeof v !== "string") fail("must be a string");
        break;
      case "nonEmptyString":
        if (typeof v !== "string" || v.length === 0) fail("must be a non-empty string");
        break;
      case "optionalString":
        if (v !== undefined && typeof v !== "string") fail("must be a string when set");
        break;
      case "port":
        if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 65535) fail("must be a port number 1-65535");
        break;
      case "positiveInt":
        if (!Number.isInteger(v) || (v as number) <= 0) fail("must be a positive integer");
        break;
      case "nonNegativeInt":
        if (!Number.isInteger(v) || (v as number) < 0) fail("must be an integer >= 0");
        break;
      case "boolean":
        if (typeof v !== "boolean") fail("must be true or false");
        break;
      case "optionalBoolean":
        if (v !== undefined && typeof v !== "boolean") fail("must be true or false when set");
        break;
      case "stringArray":
        if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) fail("must be a list of strings");
        break;
      case "object":
        if (!v || typeof v !== "object") fail("must be an object");
        break;
    }
  }
  return failures;
}

function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v);
  return s.length > 60 ? s.slice(0, 57) + "..." : s;
}

/** Validation of the connection inputs every SQL resource has (host, port, user, password, timeoutMs). */
/** Where and as whom a provider connects to MySQL or the StarRocks FE (published host port). */
export interface SqlEndpointArgs {
  /** Host as this machine reaches it (the program runs on the host). */
  host: pulumi.Input<string>;
  port: pulumi.Input<number>;
  /** Admin user (default root). */
  user?: pulumi.Input<string>;
  /** Its password (secret). */
  password: pulumi.Input<string>;
  /** How long to wait for the service to answer (default 300000 ms). */
  timeoutMs?: pulumi.Input<number>;
}

/** A new address or login for the same server means reconnecting, never recreating what is on it. */
export const SQL_ENDPOINT_POLICY: ChangePolicy = { host: "update", port: "update", user: "update", password: "update" };

export const SQL_ENDPOINT_RULES: Record<string, Rule> = { host: "nonEmptyString", port: "port", user: "nonEmptyString", password: "string", timeoutMs: "positiveInt" };

/** Fills defaults shared by every resource. */
export function withDefaults(news: Props, defaults: Props = {}): Props {
  const out: Props = { ...news };
  if (out.timeoutMs === undefined) out.timeoutMs = DEFAULT_TIMEOUT_MS;
  for (const [k, v] of Object.entries(defaults)) if (out[k] === undefined) out[k] = v;
  return out;
}

export function sqlEndpoint(p: Props): MysqlConnectionInfo {
  return { host: String(p.host), port: Number(p.port), user: String(p.user), password: String(p.password ?? "") };
}

export function timeoutOf(p: Props): number {
  const t = Number(p.timeoutMs);
  return Number.isFinite(t) && t > 0 ? t : DEFAULT_TIMEOUT_MS;
}

/** Strips the dynamic-provider bookkeeping key before inputs are stored as outputs. */
export function plain(p: Props): Props {
  const { __provider: _ignored, ...rest } = p;
  return rest;
}
