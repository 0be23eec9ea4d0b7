/**
 * Source preflight: does the MySQL/MariaDB server meet what mysql-cdc checks at job start (MySqlValidator:
 * log_bin ON, binlog_format ROW, binlog_row_image FULL, binlog_row_value_options empty, server_id set) plus
 * what the stack needs (binlog retention, server time zone, the CDC user's grants)? Each failure names the
 * setting, the value found, the value needed and the fix. Used by the SourcePreflight provider and by
 * `cdc preflight`.
 */
import { CDC_PRIVILEGES } from "../render/mysql";
import { account } from "../render/sql";
import { ConnectOptions, MysqlConnectionInfo, Row, col, query, str, withMysql } from "./mysql";

export interface PreflightCheck {
  name: string;
  ok: boolean;
  found: string;
  needed: string;
  fix?: string;
}

export interface PreflightExpectations {
  timeZone: string;
  minBinlogRetentionSeconds: number;
  cdcUser?: string /* whose grants to check; default the connected user */;
}

/** What the server reported; every value as text, undefined when the server has no such variable. */
export interface PreflightObserved {
  version: string;
  variables: Record<string, string | undefined>;
  timeZone: string;
  systemTimeZone: string;
  /** Whose grants were read, e.g. 'flink_cdc'@'%'. */
  grantsFor: string;
  /** SHOW GRANTS lines; undefined when the user does not exist (with the server's message in grantsError). */
  grants?: string[];
  grantsError?: string;
}

export const PREFLIGHT_VARIABLES = [
  "log_bin",
  "binlog_format",
  "binlog_row_image",
  "binlog_row_value_options",
  "server_id",
  "binlog_expire_logs_seconds",
  "expire_logs_days",
] as const;

/** Reads everything the checks need with one connection. */
export async function observePreflight(conn: MysqlConnectionInfo, expect: PreflightExpectations, opts: ConnectOptions = {}): Promise<PreflightObserved> {
  return withMysql(conn, { service: "MySQL source", ...opts }, async (c) => {
    const names = PREFLIGHT_VARIABLES.map((n) => `'${n}'`).join(", ");
    const rows = await query(c, `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${names})`);
    const variables: Record<string, string | undefined> = {};
    for (const r of rows) variables[str(r, "Variable_name").toLowerCase()] = str(r, "Value");
    const [tz] = await query(c, "SELECT @@global.time_zone AS tz, @@system_time_zone AS stz, VERSION() AS v");
    const grantsFor = expect.cdcUser ? account(expect.cdcUser) : "CURRENT_USER()";
    let grants: string[] | undefined;
    let grantsError: string | undefined;
    try {
      const g = await query<Row>(c, `SHOW GRANTS FOR ${grantsFor}`);
      grants = g.map((r) => String(Object.values(r)[0] ?? ""));
    } catch (err) {
      grantsError = (err as Error).message;
    }
    return {
      version: str(tz, "v"),
      variables,
      timeZone: String(col(tz, "tz") ?? ""),
      systemTimeZone: String(col(tz, "stz") ?? ""),
      grantsFor: expect.cdcUser ? grantsFor : `${conn.user} (connected user)`,
      grants,
      grantsError,
    };
  });
}

function on(v: string | undefined): boolean {
  return v !== undefined && /^(ON|1|TRUE)$/i.test(v.trim());
}

// An array, not a Set: Pulumi's closure serializer copies a captured Set as an empty object.
const UTC_NAMES: readonly string[] = ["UTC", "+00:00", "+0:00", "ETC/UTC", "GMT", "ETC/GMT", "Z", "UCT", "ZULU", "UNIVERSAL"];

export function sameTimeZone(a: string, b: string): boolean {
  const x = a.trim().toUpperCase();
  const y = b.trim().toUpperCase();
  if (x === y) return true;
  return UTC_NAMES.includes(x) && UTC_NAMES.includes(y);
}

/** Effective binlog retention in seconds; Infinity when automatic purging is off (both settings 0). */
export function binlogRetentionSeconds(vars: Record<string, string | undefined>): number {
  const secs = Number(vars.binlog_expire_logs_seconds ?? "0") || 0;
  if (secs > 0) return secs;
  const days = Number(vars.expire_logs_days ?? "0") || 0;
  if (days > 0) return Math.round(days * 86400);
  return Infinity;
}

/** Privileges granted on *.* (ALL PRIVILEGES expands to every CDC privilege). MariaDB 10.5+ prints BINLOG MONITOR for REPLICATION CLIENT. */
export function globalPrivileges(grants: string[]): Set<string> {
  const have = new Set<string>();
  for (const line of grants) {
    const m = /^\s*GRANT\s+(.+?)\s+ON\s+(\S+)\s+TO\s+/is.exec(line);
    if (!m) continue;
    if (m[2].replace(/`/g, "") !== "*.*") continue;
    for (const raw of m[1].split(",")) {
      const p = raw.trim().toUpperCase().replace(/\s+/g, " ");
      if (p === "ALL PRIVILEGES" || p === "ALL") for (const q of CDC_PRIVILEGES) have.add(q);
      else if (p === "BINLOG MONITOR") have.add("REPLICATION CLIENT");
      else have.add(p);
    }
  }
  return have;
}

/** Pure: turns what the server reported into one check per requirement. */
export function evaluatePreflight(observed: PreflightObserved, expect: PreflightExpectations): PreflightCheck[] {
  const v = observed.variables;
  const checks: PreflightCheck[] = [];
  const add = (name: string, ok: boolean, found: string, needed: string, fix: string) => checks.push(ok ? { name, ok, found, needed } : { name, ok, found, needed, fix });

  add("log_bin", on(v.log_bin), v.log_bin ?? "(not reported)", "ON",
    "enable the binary log: add `log_bin = mysql-bin` under [mysqld] in my.cnf (or start mysqld with --log-bin) and restart the server");
  add("binlog_format", (v.binlog_format ?? "").toUpperCase() === "ROW", v.binlog_format ?? "(not reported)", "ROW",
    "add `binlog_format = ROW` under [mysqld] in my.cnf, or run `SET PERSIST binlog_format = 'ROW'` (MySQL 8) / `SET GLOBAL binlog_format = 'ROW'`");
  add("binlog_row_image", (v.binlog_row_image ?? "").toUpperCase() === "FULL", v.binlog_row_image ?? "(not reported)", "FULL",
    "add `binlog_row_image = FULL` under [mysqld] in my.cnf, or run `SET PERSIST binlog_row_image = 'FULL'` (MySQL 8) / `SET GLOBAL binlog_row_image = 'FULL'`");
  const rvo = v.binlog_row_value_options;
  add("binlog_row_value_options", rvo === undefined || rvo.trim() === "", rvo === undefined ? "(not supported by this server)" : rvo, "empty",
    "add `binlog_row_value_options = ''` under [mysqld] in my.cnf, or run `SET PERSIST binlog_row_value_options = ''`");
  const sid = Number(v.server_id ?? "0");
  add("server_id", Number.isFinite(sid) && sid > 0, v.server_id ?? "(not reported)", "a non-zero id outside the CDC jobs' server-id ranges",
    "add `server_id = 1` under [mysqld] in my.cnf (any id outside the CDC server-id blocks) and restart the server");
  const retention = binlogRetentionSeconds(v);
  const retentionVar = (Number(v.binlog_expire_logs_seconds ?? "0") || 0) > 0 ? "binlog_expire_logs_seconds" : (Number(v.expire_logs_days ?? "0") || 0) > 0 ? "expire_logs_days" : "binlog_expire_logs_seconds";
  add("binlog retention", retention >= expect.minBinlogRetentionSeconds,
    retention === Infinity ? "no automatic purge" : `${retention} s (${retentionVar} = ${v[retentionVar] ?? "?"})`,
    `at least ${expect.minBinlogRetentionSeconds} s`,
    `add \`binlog_expire_logs_seconds = ${Math.max(expect.minBinlogRetentionSeconds, 1)}\` under [mysqld] in my.cnf, or run \`SET GLOBAL binlog_expire_logs_seconds = ${Math.max(expect.minBinlogRetentionSeconds, 1)}\``);
  const effectiveTz = observed.timeZone.toUpperCase() === "SYSTEM" ? observed.systemTimeZone : observed.timeZone;
  const tzFound = observed.timeZone.toUpperCase() === "SYSTEM" ? `SYSTEM (${observed.systemTimeZone})` : observed.timeZone;
  add("time_zone", sameTimeZone(effectiveTz, expect.timeZone), tzFound, expect.timeZone,
    `add \`default_time_zone = '${expect.timeZone === "UTC" ? "+00:00" : expect.timeZone}'\` under [mysqld] in my.cnf (or \`SET GLOBAL time_zone = '${expect.timeZone === "UTC" ? "+00:00" : expect.timeZone}'\`), or set the stack's sourceTimeZone to the server's zone`);
  const needed = CDC_PRIVILEGES.join(", ") + " ON *.*";
  if (observed.grants === undefined) {
    add(`grants of ${observed.grantsFor}`, false, `cannot read grants: ${observed.grantsError ?? "unknown error"}`, needed,
      `create the user and grant: CREATE USER ${observed.grantsFor} IDENTIFIED BY '<password>'; GRANT ${CDC_PRIVILEGES.join(", ")} ON *.* TO ${observed.grantsFor};`);
  } else {
    const have = globalPrivileges(observed.grants);
    const missing = CDC_PRIVILEGES.filter((p) => !have.has(p));
    const grantee = observed.grantsFor.endsWith("(connected user)") ? "<user>" : observed.grantsFor;
    add(`grants of ${observed.grantsFor}`, missing.length === 0, missing.length ? `missing ${missing.join(", ")}` : "all required privileges", needed,
      `GRANT ${missing.join(", ")} ON *.* TO ${grantee};`);
  }
  return checks;
}

export async function runPreflightChecks(conn: MysqlConnectionInfo, expect: PreflightExpectations, opts: ConnectOptions = {}): Promise<PreflightCheck[]> {
  const observed = await observePreflight(conn, expect, opts);
  return evaluatePreflight(observed, expect);
}

/** One line per failed check: setting, found, needed, fix. */
export function formatFailures(checks: PreflightCheck[]): string {
  return checks
    .filter((c) => !c.ok)
    .map((c) => `- ${c.name}: found ${c.found}; needed ${c.needed}. Fix: ${c.fix ?? "see the MySQL CDC documentation"}`)
    .join("\n");
}
