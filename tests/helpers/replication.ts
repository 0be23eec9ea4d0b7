/**
 * A real asynchronous pipeline for CLI tests: two throwaway MariaDB servers, the primary (binlog,
 * server-id 1) replicating to the replica (server-id 2). The catalog's MySQL schema is applied to the
 * primary and reaches the replica through replication, so `--source` (primary) and `--sink` (replica)
 * behave like MySQL and StarRocks behind Flink CDC: writes show up in the sink a little later, and
 * STOP SLAVE makes the sink go stale.
 */
import * as mysql from "mysql2/promise";
import { TABLES } from "../../catalog/tables";
import { schemaScript } from "../../render/mysql";
import { MariaDbServer, startMariaDb } from "./mariadb";

export interface Replication {
  primary: MariaDbServer;
  replica: MariaDbServer;
  database: string;
  sourceUrl: string;
  sinkUrl: string;
  /** Runs SQL on the primary (multi-statement allowed). */
  primarySql(sql: string): Promise<unknown>;
  /** Runs a query on the replica and returns its rows. */
  replicaQuery<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  primaryQuery<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  /** Waits until the replica has applied everything the primary has written so far. */
  catchUp(timeoutSeconds?: number): Promise<void>;
  stopReplication(): Promise<void>;
  startReplication(): Promise<void>;
  stop(): Promise<void>;
}

export interface ReplicationOptions {
  database?: string;
  /** Sample rows per table (render/mysql.ts), the "user data" cleanup must leave alone. */
  sampleRows?: number;
}

export async function startReplication(opts: ReplicationOptions = {}): Promise<Replication> {
  const database = opts.database ?? "shop";
  const [primary, replica] = await Promise.all([
    startMariaDb({ binlog: true, serverId: 1 }),
    startMariaDb({ binlog: false, serverId: 2, extraArgs: ["--skip-slave-start"] }),
  ]);
  const connOpts = (s: MariaDbServer): mysql.ConnectionOptions => ({
    host: s.host, port: s.port, user: s.user, password: s.password, multipleStatements: true, supportBigNumbers: true, bigNumberStrings: true,
  });
  const p = await mysql.createConnection(connOpts(primary));
  const r = await mysql.createConnection(connOpts(replica));
  const stopAll = async () => {
    await Promise.all([p.end().catch(() => undefined), r.end().catch(() => undefined)]);
    await Promise.all([primary.stop(), replica.stop()]);
  };
  try {
    // From the primary's first binlog file: it holds everything written after the server started.
    await r.query(
      `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${primary.port}, MASTER_USER='root', MASTER_PASSWORD='', MASTER_USE_GTID=no, MASTER_CONNECT_RETRY=1; START SLAVE`,
    );
    await p.query(schemaScript(database, TABLES.slice(), opts.sampleRows ?? 5));
    const rep: Replication = {
      primary,
      replica,
      database,
      sourceUrl: `mysql://root@127.0.0.1:${primary.port}/${database}`,
      sinkUrl: `mysql://root@127.0.0.1:${replica.port}/${database}`,
      primarySql: (sql) => p.query(sql),
      primaryQuery: async <T>(sql: string) => (await p.query(sql))[0] as T[],
      replicaQuery: async <T>(sql: string) => (await r.query(sql))[0] as T[],
      catchUp: async (timeoutSeconds = 30) => {
        const [[status]] = (await p.query("SHOW MASTER STATUS")) as unknown as [Array<{ File: string; Position: number }>];
        const [[res]] = (await r.query("SELECT MASTER_POS_WAIT(?, ?, ?) AS w", [status.File, status.Position, timeoutSeconds])) as unknown as [Array<{ w: number | null }>];
        if (res.w === null || Number(res.w) < 0) throw new Error(`replica did not catch up with ${status.File}:${status.Position} within ${timeoutSeconds} s`);
      },
      stopReplication: async () => void (await r.query("STOP SLAVE")),
      startReplication: async () => void (await r.query("START SLAVE")),
      stop: stopAll,
    };
    await rep.catchUp();
    return rep;
  } catch (err) {
    await stopAll();
    throw err;
  }
}
