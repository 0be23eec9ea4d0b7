/** The validated configuration every component and renderer reads, with every derived value. */
import type { CatalogConfig } from "./catalog";
import type { HostPortName } from "./ports";

/** Whether the stack runs a part of the pipeline itself or uses an existing one. */
export type PartMode = "managed" | "external";
export type SourceMode = PartMode;
export type SinkSemantic = "at-least-once" | "exactly-once";
export type UpgradeMode = "savepoint" | "stateless";

/** The validated configuration, with every derived value the program needs. */
export interface StackConfig {
  project: string;
  stack: string;
  /** `<project>-<stack>`: prefix of every container, volume and network name. */
  prefix: string;
  hostAddress: string;
  portOffset: number;
  hostPorts: Record<HostPortName, number>;
  source: {
    mode: SourceMode;
    /** Host as the Flink containers see it. */
    host: string;
    port: number;
    /** Host and port as this machine (the Pulumi program and its providers) reaches it. */
    hostFromHost: string;
    portFromHost: number;
    user: string;
    database: string;
    timeZone: string;
    sampleRows: number;
    serverId: number;
    binlogRetentionSeconds: number;
    minBinlogRetentionSeconds: number;
    cdcServerIdBase: number;
    parallelism: number;
  };
  /** Demo catalog: the selected demo tables (`tables`). */
  tables: string[];
  /** Where the replicated tables come from, and the source catalog's selection and overrides (config/catalog.ts). */
  catalog: CatalogConfig;
  images: { mysql: string; minio: string; fe: string; cn: string; flinkBase: string; flinkVersion: string };
  minio: {
    /** MinIO runs whenever a managed part needs object storage: managed StarRocks (its data) or managed Flink (its state). */
    enabled: boolean;
    bucket: string;
    region: string;
    forceDestroy: boolean;
  };
  starrocks: {
    mode: PartMode;
    /** External mode: the FE as this machine and the Flink cluster reach it. */
    external?: { host: string; queryPort: number; httpPort: number };
    /** The administrator the providers connect as: root (managed) or starrocksAdminUser (external). */
    adminUser: string;
    /**
     * The storage volume the stack creates, if any: always in managed mode (on MinIO), opt-in in external mode.
     * `accessKey` is set in external mode; managed mode uses the MinIO root user.
     */
    storageVolume?: { location: string; endpoint: string; region: string; accessKey?: string };
    cnCount: number;
    feHeapSizeMb: number;
    cnMemLimit: string;
    cnCompactThreads: number;
    cnPublishVersionWorkerCount: number;
    cnL0MaxMemUsage: number;
    feLakeIngestSlowdownThreshold: number;
    feLakeCompactionScoreUpperBound: number;
    feExtraConf: string[];
    cnExtraConf: string[];
    database: string;
    loaderUser: string;
    /** The FE as the Flink jobs reach it: the sink's `jdbc-url` and `load-url` (host:port of the FE HTTP port). */
    fromFlink: { jdbcUrl: string; loadUrl: string };
  };
  flink: {
    mode: PartMode;
    /** External mode: the session cluster's REST endpoints as this machine reaches them. */
    external?: { restUrl: string; sqlGatewayUrl: string };
    /** execution.checkpointing.dir and the savepoint target: on MinIO (managed) or from config (external). */
    checkpointDir: string;
    savepointDir: string;
    /**
     * Where loss recovery lists retained checkpoints and savepoints: MinIO (managed mode), the configured S3
     * (external mode with both dirs on s3://), or undefined (hdfs:// or file:// dirs: recovery listing is off).
     * `accessKey` is set in external mode; managed mode uses the MinIO root user.
     */
    stateStore?: { endpoint: string; bucket: string; region: string; accessKey?: string };
    taskManagers: number;
    slotsPerTaskManager: number;
    jobManagerMemory: string;
    taskManagerMemory: string;
    checkpointInterval: string;
    checkpointIntervalMs: number;
    sinkSemantic: SinkSemantic;
    sinkFlushIntervalMs: number;
    sinkBufferMaxBytes: number;
    upgradeMode: UpgradeMode;
    savepointNonce: string;
  };
  retainData: boolean;
  allowDestructiveChanges: boolean;
  providerTimeoutMs: number;
}
