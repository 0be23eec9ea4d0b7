/**
 * A MySQL-protocol CDC source for real-tier tests: a throwaway MariaDB (binlog ROW, FULL row image) with
 * the catalog's schema and sample rows, the CDC user with the grants mysql-cdc needs, and the StackConfig
 * (sourceMode external) whose rendered jobs read from it.
 */
import { replicatedTables } from "../../../catalog/tables";
import { query, withMysql } from "../../../clients/mysql";
import { RawConfig, StackConfig, resolveConfig } from "../../../config";
import { createCdcUserSql, createDatabaseSql, createTableSql, grantCdcSql, sampleRowsSql } from "../../../render/mysql";
import { MariaDbServer, startMariaDb } from "../../helpers/mariadb";

export interface CdcSource {
  db: MariaDbServer;
  /** Resolved config: external source at 127.0.0.1:<port>, the CDC user, the given tables. */
  cfg: StackConfig;
  cdcUser: string;
  cdcPassword: string;
  /** Runs SQL on the source as root. */
  sql<T = Record<string, unknown>>(statement: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

export const CDC_USER = "flink_cdc";
export const CDC_PASSWORD = "cdc-real-tier-pw";

/**
 * The statements that make a fresh server a CDC source: the database, every table a job reads (the selected
 * ones and the internal heartbeat table) with `sampleRows` rows each, and the CDC user with its grants.
 */
export function sourceSetupSql(database: string, tables: readonly string[], sampleRows: number, cdcUser: string, cdcPassword: string): string[] {
  const replicated = replicatedTables([...tables]);
  const rows = replicated.map((t) => sampleRowsSql(database, t, sampleRows)).filter((r): r is string => Boolean(r));
  return [
    createDatabaseSql(database),
    ...replicated.map((t) => createTableSql(database, t)),
    ...rows,
    createCdcUserSql(cdcUser, cdcPassword),
    grantCdcSql(cdcUser),
  ];
}

/** Starts the source with `sampleRows` rows (default 5) in each table; `extra` adds raw stack config. */
export async function startCdcSource(opts: { tables: string[]; sampleRows?: number; extra?: RawConfig }): Promise<CdcSource> {
  const db = await startMariaDb({ binlog: true, binlogFormat: "ROW", binlogRowImage: "FULL" });
  const root = { host: db.host, port: db.port, user: db.user, password: db.password };
  const cfg = resolveConfig(
    {
      sourceMode: "external", sourceHost: "127.0.0.1", sourcePort: db.port, sourceUser: CDC_USER, sourcePassword: CDC_PASSWORD, sourceDatabase: "shop",
      tables: opts.tables, ...opts.extra,
    },
    { stack: "real" },
  );
  const sql = <T>(statement: string, params?: unknown[]) => withMysql(root, {}, (c) => query(c, statement, params)) as Promise<T[]>;
  for (const statement of sourceSetupSql(cfg.source.database, cfg.tables, opts.sampleRows ?? 5, CDC_USER, CDC_PASSWORD)) await sql(statement);
  return { db, cfg, cdcUser: CDC_USER, cdcPassword: CDC_PASSWORD, sql, stop: () => db.stop() };
}
