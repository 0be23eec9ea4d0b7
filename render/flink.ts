/**
 * Flink cluster configuration rendered from stack config. Every key is a Flink 1.20 option
 * (CheckpointingOptions, StateRecoveryOptions, RestOptions, TaskManagerOptions, JobManagerOptions,
 * SqlGatewayRestOptions, the S3 filesystem docs). The containers receive it through FLINK_PROPERTIES,
 * which the image's entrypoint appends to conf/config.yaml; values therefore must not contain spaces,
 * `$` or `#` (the entrypoint strips whitespace and runs envsubst).
 */
import { ALIASES, CONTAINER_PORTS, StackConfig, storagePaths } from "../config";
import { TASK_MANAGER_MANAGED_FRACTION } from "./flinkMemory";

/**
 * A bounded restart strategy (RestartStrategyOptions, docs ops/state/task_failure_recovery). With
 * checkpointing on, Flink 1.20 defaults to exponential-delay with unlimited attempts, so a job that cannot run
 * (wrong password, purged binlog, refused loads) flips RUNNING <-> RESTARTING forever and never FAILS.
 * failure-rate: more than 3 failures within 5 minutes fail the job, 10 s apart. A persistent error fails each
 * attempt within seconds and ends in FAILED after about 40 s; a transient one (a StarRocks or MySQL restart)
 * gets 3 restarts, 30 s of retrying, and the count clears as the window moves on, so a long-running job is
 * not killed by occasional failures spread over days (fixed-delay's attempt count never resets).
 */
export const RESTART_STRATEGY: Array<[string, string]> = [
  ["restart-strategy.type", "failure-rate"],
  ["restart-strategy.failure-rate.max-failures-per-interval", "3"],
  ["restart-strategy.failure-rate.failure-rate-interval", "5min"],
  ["restart-strategy.failure-rate.delay", "10s"],
];

export type FlinkRole = "jobmanager" | "taskmanager" | "sql-gateway";

/** Options shared by the JobManager, every TaskManager and the SQL Gateway. */
export function flinkCommonProperties(cfg: StackConfig, s3: { accessKey: string; secretKey: string }): Array<[string, string]> {
  const paths = storagePaths(cfg);
  const f = cfg.flink;
  return [
    ["jobmanager.rpc.address", ALIASES.jobManager],
    // The image sets rest.address to 0.0.0.0, which clients (the gateway) would then dial.
    ["rest.address", ALIASES.jobManager],
    ["rest.port", String(CONTAINER_PORTS.flinkRest)],
    ["rest.bind-address", "0.0.0.0"],
    ["jobmanager.memory.process.size", f.jobManagerMemory],
    ["taskmanager.memory.process.size", f.taskManagerMemory],
    // No RocksDB and no batch operators: give the task heap (where the sinks buffer) what managed memory would idle on.
    ["taskmanager.memory.managed.fraction", String(TASK_MANAGER_MANAGED_FRACTION)],
    ["taskmanager.numberOfTaskSlots", String(f.slotsPerTaskManager)],
    ["parallelism.default", String(cfg.source.parallelism)],
    // mysql-cdc only leaves the snapshot phase through checkpoints.
    ["execution.checkpointing.interval", f.checkpointInterval],
    ["execution.checkpointing.dir", paths.checkpoints],
    ["execution.checkpointing.savepoint-dir", paths.savepoints],
    // Keep the last checkpoint when a job is cancelled or lost, so it can be resumed.
    ["execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION"],
    ...RESTART_STRATEGY,
    ["s3.endpoint", paths.s3EndpointInNetwork],
    ["s3.path.style.access", "true"],
    ["s3.access-key", s3.accessKey],
    ["s3.secret-key", s3.secretKey],
    ["sql-gateway.endpoint.rest.address", ALIASES.sqlGateway],
    ["sql-gateway.endpoint.rest.bind-address", "0.0.0.0"],
    ["sql-gateway.endpoint.rest.port", String(CONTAINER_PORTS.sqlGateway)],
  ];
}

/** The properties one container receives. TaskManagers advertise their alias so health checks can find them. */
export function flinkProperties(cfg: StackConfig, role: FlinkRole, s3: { accessKey: string; secretKey: string }, taskManagerIndex = 0): Array<[string, string]> {
  const props = flinkCommonProperties(cfg, s3);
  if (role === "taskmanager") props.push(["taskmanager.host", ALIASES.taskManager(taskManagerIndex)]);
  return props;
}

/** `key: value` lines, the format FLINK_PROPERTIES and config.yaml share. Rejects values the entrypoint would mangle. */
export function propertiesText(props: Array<[string, string]>): string {
  for (const [k, v] of props) {
    if (/[\s$#]/.test(v) && !/^\$\{[A-Z_]+\}$/.test(v)) throw new Error(`Flink option ${k} has a value with whitespace, $ or #, which FLINK_PROPERTIES would mangle`);
  }
  return props.map(([k, v]) => `${k}: ${v}`).join("\n") + "\n";
}

/** Name of the bundled S3 plugin jar; it carries the exact Flink version (a wrong name stops the container). */
export function s3PluginJar(flinkVersion: string): string {
  return `flink-s3-fs-presto-${flinkVersion}.jar`;
}
