/** The source part: the MySQL (or MariaDB) server the CDC jobs read, managed here or external. */
import { ConfigReader, ConfigSchema } from "./reader";
import { ALIASES, CONTAINER_PORTS, HostPortName } from "./ports";
import type { SourceMode, StackConfig } from "./types";

export const SOURCE_SCHEMA = {
  sourceMode: { type: "string", default: "managed", description: "managed: the stack runs MySQL 8 with the demo schema. external: use an existing MySQL given by sourceHost/sourcePort/sourceUser and the secret sourcePassword." },
  sourceHost: { type: "string", default: "", description: "External mode: MySQL host as the Flink cluster reaches it (and the host, unless sourceHostFromHost is set)." },
  sourceHostFromHost: { type: "string", default: "", description: "External mode: MySQL host as this machine reaches it, when it differs from sourceHost (default: sourceHost)." },
  sourcePort: { type: "integer", default: 3306, description: "External mode: MySQL port." },
  sourceUser: { type: "string", default: "flink_cdc", description: "MySQL user the CDC jobs read with. Managed mode creates it; external mode expects it to exist (`npx cdc preflight` checks its grants)." },
  sourceDatabase: { type: "string", default: "shop", description: "MySQL database holding the replicated tables." },
  sourceTimeZone: { type: "string", default: "UTC", description: "MySQL server time zone; the CDC jobs use the same value for server-time-zone." },
  sampleRows: { type: "integer", default: 100, description: "Managed mode: sample rows inserted per table so data flows at once (0 for none)." },
  mysqlServerId: { type: "integer", default: 1, description: "Managed mode: MySQL server_id. Must lie outside every CDC job's server-id range." },
  binlogRetentionSeconds: { type: "integer", default: 604800, description: "Managed mode: binlog_expire_logs_seconds. Must exceed the longest pipeline downtime you want to survive." },
  minBinlogRetentionSeconds: { type: "integer", default: 86400, description: "Preflight: the smallest binlog retention accepted on the source." },
  cdcServerIdBase: { type: "integer", default: 5400, description: "First MySQL server-id handed to CDC jobs; each job gets its own range above it." },
  sourceParallelism: { type: "integer", default: 1, description: "Parallelism of each CDC job (and width of its server-id range)." },
  mysqlImage: { type: "string", default: "mysql:8.0.44", description: "Managed MySQL image (pinned tag)." },
} satisfies ConfigSchema;

/**
 * The source part. `reservedSpan` is the width of the server-id span the catalog's jobs may use above
 * cdcServerIdBase (catalog/serverIds.ts): the managed server's own server_id must lie outside it.
 */
export function resolveSource(
  r: ConfigReader,
  ports: { hostAddress: string; hostPorts: Record<HostPortName, number> },
  reservedSpan: number,
): { source: StackConfig["source"]; mysqlImage: string } {
  const mode = r.oneOf<SourceMode>("sourceMode", ["managed", "external"]);
  const sourceHost = r.read("sourceHost");
  const sourcePort = r.int("sourcePort", 1, 65535);
  if (mode === "external") {
    if (!sourceHost) r.problems.push(`sourceHost: required when sourceMode is external (the MySQL host the Flink containers connect to)`);
    if (r.raw.sourcePassword === undefined || r.raw.sourcePassword === "") {
      r.problems.push(`sourcePassword: required when sourceMode is external; set it with \`pulumi config set --secret sourcePassword <password>\``);
    }
  }
  const hostFromHost = r.read("sourceHostFromHost") || sourceHost;
  const timeZone = r.read("sourceTimeZone");
  if (!/^(UTC|[+-]\d{2}:\d{2}|[A-Za-z]+(\/[A-Za-z0-9_+-]+)+)$/.test(timeZone)) {
    r.problems.push(`sourceTimeZone: "${timeZone}" is not a time zone; use UTC, an offset such as +02:00, or a region name such as Europe/Berlin`);
  }

  const serverId = r.int("mysqlServerId", 1, 4294967295);
  const cdcServerIdBase = r.int("cdcServerIdBase", 2, 4294967295 - Math.max(10000, reservedSpan));
  const parallelism = r.int("sourceParallelism", 1, 64);
  // Each job gets a fixed-width block inside [cdcServerIdBase, +reservedSpan) (catalog/serverIds.ts); the managed server's own id must not fall inside any.
  if (mode === "managed" && serverId >= cdcServerIdBase && serverId < cdcServerIdBase + reservedSpan) {
    r.problems.push(`mysqlServerId: ${serverId} lies inside the CDC server-id blocks starting at cdcServerIdBase ${cdcServerIdBase}; choose an id below ${cdcServerIdBase}`);
  }

  const mysqlImage = r.read("mysqlImage");
  // The server flags (e.g. --default-authentication-plugin) are those of MySQL 8.0; 8.4 removed some.
  if (mode === "managed" && !/(^|\/)mysql:8\.0\.\d+$/.test(mysqlImage)) {
    r.problems.push(`mysqlImage: "${mysqlImage}" is not a pinned MySQL 8.0 tag such as mysql:8.0.44`);
  }
  const source: StackConfig["source"] = {
    mode,
    host: mode === "managed" ? ALIASES.mysql : sourceHost,
    port: mode === "managed" ? CONTAINER_PORTS.mysql : sourcePort,
    hostFromHost: mode === "managed" ? ports.hostAddress : hostFromHost,
    portFromHost: mode === "managed" ? ports.hostPorts.mysql : sourcePort,
    user: r.ident("sourceUser"),
    database: r.ident("sourceDatabase"),
    timeZone,
    sampleRows: r.int("sampleRows", 0, 1_000_000),
    serverId,
    binlogRetentionSeconds: r.int("binlogRetentionSeconds", 3600, 4294967295),
    minBinlogRetentionSeconds: r.int("minBinlogRetentionSeconds", 0, 4294967295),
    cdcServerIdBase,
    parallelism,
  };
  return { source, mysqlImage };
}
