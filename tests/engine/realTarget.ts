/**
 * The real-engine target on this machine: an all-external stack (every part external, every secret given
 * as config, so no random or Docker resource) against the real tier: the real Flink 1.20.3 cluster of the
 * `real` Jest project (JobManager, TaskManager, SQL Gateway, moto S3), a MariaDB source with binlog
 * (tests/real/pipeline.ts startSource), and the StarRocks STAND-IN (tests/standins/starrocks.ts: not
 * StarRocks), preset as a cluster its operator set up (an alive compute node, a default storage volume).
 * State lives in a file backend in a temp folder, under a passphrase.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { engineContext, missingEngine } from "../../scripts/engine";
import { StarRocksStandIn, startStarRocksStandIn } from "../standins/starrocks";
import { Source, startSource } from "../real/pipeline";
import { RealTier, realTier, tierState } from "../real/harness";
import { EngineTarget, StartedTarget } from "./target";

export const SECRETS = {
  sourcePassword: "src-Pw-4f9c2a71",
  starrocksAdminPassword: "admin-Pw-8b13e5d0",
  loaderPassword: "loader-Pw-2c7a9e64",
};

export interface RealParts extends StartedTarget {
  tier: RealTier;
  source: Source;
  sink: StarRocksStandIn;
  /** Rows the stand-in stored for a table of a database (read from its MariaDB store, not through the FE). */
  sinkCount(database: string, table: string): Promise<number>;
}

/** Starts a source and a stand-in for one suite; the Flink tier is the Jest run's. */
export async function startReal(opts: { tables?: string[]; sampleRows?: number } = {}): Promise<RealParts> {
  const tier = await realTier();
  const [source, sink] = await Promise.all([
    startSource({ tables: opts.tables ?? ["orders"], sampleRows: opts.sampleRows ?? 5, cdcPassword: SECRETS.sourcePassword }),
    startStarRocksStandIn({ preset: "ready", rootPassword: SECRETS.starrocksAdminPassword }),
  ]);
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "starrocks-cdc-engine-"));
  const backendDir = path.join(base, "state");
  const ctx = engineContext({ workDir: path.join(base, "work"), backendDir, passphrase: "engine-test-passphrase" });
  const storeSql = async (sql: string): Promise<(string | null)[][]> => (await sink.store.relay(sql, undefined)).rows ?? [];
  return {
    tier, source, sink, ctx, backendDir,
    config: (stack: string) => ({
      tables: ["orders"],
      sourceMode: "external", sourceHost: "127.0.0.1", sourcePort: source.server.port, sourceUser: "flink_cdc", sourceDatabase: "shop",
      sourcePassword: SECRETS.sourcePassword,
      minBinlogRetentionSeconds: 0,
      starrocksMode: "external", starrocksHost: sink.host, starrocksQueryPort: sink.queryPort, starrocksHttpPort: sink.httpPort,
      starrocksAdminUser: "root", starrocksAdminPassword: SECRETS.starrocksAdminPassword,
      loaderPassword: SECRETS.loaderPassword,
      flinkMode: "external", flinkRestUrl: tier.restUrl, flinkSqlGatewayUrl: tier.gatewayUrl,
      // One prefix per stack: its checkpoints, savepoints and job registry apart from other stacks'.
      flinkCheckpointDir: `s3://${tier.s3.bucket}/engine-${stack}/checkpoints`,
      flinkSavepointDir: `s3://${tier.s3.bucket}/engine-${stack}/savepoints`,
      flinkS3Endpoint: tier.s3.endpoint, flinkS3AccessKey: tier.s3.accessKey, flinkS3SecretKey: tier.s3.secretKey, s3Region: tier.s3.region,
      checkpointInterval: "3s",
      sinkFlushIntervalMs: 1000,
      providerTimeout: "3min",
    }),
    secretKeys: ["sourcePassword", "starrocksAdminPassword", "loaderPassword", "flinkS3SecretKey"],
    secretValues: () => [...Object.values(SECRETS), tier.s3.secretKey],
    // The stack's sourceUrl is the CDC user, which may not INSERT: `cdc monitor` probes as the sandbox's root.
    writerSourceUrl: source.url,
    sourceSql: <T>(sql: string) => source.query<T>(sql),
    flinkRestUrl: tier.restUrl,
    killTaskManager: () => tier.killTaskManager(),
    startTaskManager: () => tier.startTaskManager(),
    sinkHasDatabase: async (db: string) => sink.fe.databases.has(db),
    sinkHasUser: async (user: string) => sink.fe.users.has(user),
    sinkCount: async (db: string, table: string) => {
      const rows = await storeSql(`SELECT COUNT(*) FROM \`${db}\`.\`${table}\``).catch(() => [["0"]]);
      return Number(rows[0]?.[0] ?? 0);
    },
    stop: async () => {
      await Promise.all([source.close().catch(() => undefined), sink.stop().catch(() => undefined)]);
      await tier.cancelAllJobs().catch(() => undefined);
    },
  };
}

/** Why the real engine cannot run here: the tier's reason, or a missing CLI. */
export function realEngineSkipReason(): string | undefined {
  const s = tierState();
  if ("skipped" in s) return `real-Flink tier skipped: ${s.skipped}`;
  const missing = missingEngine();
  if (missing && process.env.CI === "true") throw new Error(`real engine cannot run (CI=true makes this a failure): ${missing}`);
  return missing;
}

export const realTarget: EngineTarget = {
  title: "the real tier (all-external stack: real Flink, MariaDB, moto S3, StarRocks stand-in)",
  skipReason: realEngineSkipReason,
  start: () => startReal(),
};
