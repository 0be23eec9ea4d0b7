/**
 * A StarRocks STAND-IN for tests: it is NOT StarRocks. No registry ships a StarRocks FE or CN, so this
 * implements exactly what the project and the StarRocks Flink connector (com.starrocks:
 * flink-connector-starrocks:1.2.10_flink-1.19) use, and keeps the rows in a real MariaDB:
 * - MySQL protocol (query port): the FE fake (tests/fakes/starrocksFe.ts: users, grants, compute nodes,
 *   storage volumes, StarRocks DDL) plus JDBC connection set-up, the connector's information_schema
 *   and current_version() queries, and ordinary SQL answered from the store (starrocks/sql.ts).
 * - HTTP (http port = load-url): Stream Load and Transaction Stream Load with labels, Basic auth and
 *   a 307 redirect to a "CN" port of the same process (starrocks/http.ts).
 * - Store: each table the FE creates is created in MariaDB with the same key (starrocks/store.ts).
 * - StarRocks' type rules (starrocks/types.ts, shared with the FE fake): the types CREATE TABLE accepts
 *   and refuses, information_schema.COLUMNS, and how each loaded value is cast, filtered or loaded as
 *   NULL (strict_mode off by default, as in StarRocks); JSON numbers stay exact (starrocks/json.ts).
 * It has no commit/publish cost, no tablet versions, no compaction and no memory limits: latency and
 * throughput measured against it say nothing about StarRocks.
 */
import { StarRocksFeFake } from "../fakes/starrocksFe";
import { FaultMode, LoadRecord, LoadService } from "./starrocks/http";
import { standInSqlHooks } from "./starrocks/sql";
import { Store } from "./starrocks/store";

export type { LoadRecord, FaultMode } from "./starrocks/http";

export interface StarRocksStandInOptions {
  /**
   * "ready": a cluster as the StarRocks operator leaves it (one alive compute node, a default storage
   * volume), so CREATE DATABASE / CREATE TABLE work at once. "empty" (default): a fresh FE, as the
   * project's own providers expect to find it (they register the CN and create the volume).
   */
  preset?: "ready" | "empty";
  /** root's password; default empty, as a fresh StarRocks. */
  rootPassword?: string;
  /** 307 from the FE HTTP port to the CN HTTP port, as a real FE does. Default true. */
  redirect?: boolean;
  /** What `select current_version()` answers. */
  version?: string;
  /** Delay of ALTER TABLE ADD/DROP COLUMN (asynchronous schema change). Default 200 ms. */
  schemaChangeDelayMs?: number;
}

export interface StarRocksStandIn {
  host: "127.0.0.1";
  /** MySQL protocol (jdbc-url). */
  queryPort: number;
  /** FE HTTP (load-url). */
  httpPort: number;
  /** The CN HTTP port loads are redirected to. */
  cnHttpPort: number;
  rootPassword: string;
  /** The MariaDB holding the rows (same database and table names). */
  store: Store;
  /** The FE fake, for its out-of-band hooks and statement log. */
  fe: StarRocksFeFake;
  /** Every label (plain loads and transactions), in the order they began. */
  loads(): LoadRecord[];
  /** Loads fail ("error": StarRocks-style failure answers) or get no answer ("hang") for `ms`. */
  failLoadsFor(ms: number, mode: FaultMode): void;
  stop(): Promise<void>;
}

/** The compute node the "ready" preset registers (host:heartbeat port, as SHOW COMPUTE NODES lists it). */
export const READY_CN = { host: "127.0.0.1", heartbeatPort: 9050 };
export const READY_VOLUME = "builtin_storage_volume";

export async function startStarRocksStandIn(opts: StarRocksStandInOptions = {}): Promise<StarRocksStandIn> {
  const store = await Store.start();
  let fe: StarRocksFeFake | undefined;
  try {
    fe = await StarRocksFeFake.start({
      schemaChangeDelayMs: opts.schemaChangeDelayMs,
      // StarRocks announces a MySQL 8.0.33 server; no SSL, no session tracking (Connector/J negotiates
      // from these flags): LONG_PASSWORD, FOUND_ROWS, LONG_FLAG, CONNECT_WITH_DB, PROTOCOL_41,
      // TRANSACTIONS, SECURE_CONNECTION, MULTI_RESULTS, PLUGIN_AUTH.
      capabilityFlags: 0x1 | 0x2 | 0x4 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x20000 | 0x80000,
      serverVersion: "8.0.33",
      hooks: standInSqlHooks(() => fe!, store, { version: opts.version ?? "3.5.12-standin" }),
    });
    const rootPassword = opts.rootPassword ?? "";
    if (rootPassword) fe.setPasswordOutOfBand("root", rootPassword);
    if (opts.preset === "ready") {
      fe.addNodeOutOfBand(READY_CN.host, READY_CN.heartbeatPort);
      fe.volumes.set(READY_VOLUME, { type: "S3", location: "s3://starrocks/standin", params: {}, enabled: true, comment: "" });
      fe.defaultVolume = READY_VOLUME;
    }
    const http = new LoadService(fe, store, { redirect: opts.redirect });
    await http.start();
    const started = fe;
    return {
      host: "127.0.0.1", queryPort: fe.port, httpPort: http.fePort, cnHttpPort: http.cnPort, rootPassword, store, fe,
      loads: () => http.records.map((r) => {
        const { label, db, table, api, txnId, state, requests, loadedRows, filteredRows, reason, beganAt, finishedAt } = r;
        return { label, db, table, api, txnId, state, requests, loadedRows, filteredRows, reason, beganAt, finishedAt };
      }),
      failLoadsFor: (ms, mode) => http.failLoadsFor(ms, mode),
      stop: async () => {
        await http.stop();
        await started.stop();
        await store.stop();
      },
    };
  } catch (e) {
    await fe?.stop().catch(() => undefined);
    await store.stop();
    throw e;
  }
}
