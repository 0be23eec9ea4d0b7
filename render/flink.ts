/**
 * Flink cluster configuration rendered from stack config. Every key is a Flink 1.20 option
 * (CheckpointingOptions, StateRecoveryOptions, RestOptions, TaskManagerOptions, JobManagerOptions,
 * SqlGatewayRestOptions, the S3 filesystem docs). The containers receive it through FLINK_PROPERTIES,
 * which the image's entrypoint appends to conf/config.yaml; values therefore must not contain spaces,
 * `$` or `#` (the entrypoint strips whitespace and runs envsubst).
 */
import { ALIASES, CONTAINER_PORTS, StackConfig, storagePaths } from "../config";

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
    ["taskmanager.numberOfTaskSlots", String(f.slotsPerTaskManager)],
    ["parallelism.default", String(cfg.source.parallelism)],
    // mysql-cdc only leaves the snapshot phase through checkpoints.
    ["execution.checkpointing.interval", f.checkpointInterval],
    ["execution.checkpointing.dir", paths.checkpoints],
    ["execution.checkpointing.savepoint-dir", paths.savepoints],
    // Keep the last checkpoint when a job is cancelled or lost, so it can be resumed.
    ["execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION"],
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
