/** The Flink part: a managed session cluster (JobManager, TaskManagers, SQL Gateway) or an existing one. */
import { ConfigReader, ConfigSchema } from "./reader";
import { SINK_BUFFER_MAX_BYTES_MAX, SINK_BUFFER_MAX_BYTES_MIN, memoryBytes, taskHeapBytes } from "./flinkMemory";
import { flinkPins, pinnedFlinkImage } from "./pins";
import { HostPortName } from "./ports";
import { SECRET_CONFIG_KEYS } from "./secrets";
import type { PartMode, SinkSemantic, StackConfig, UpgradeMode } from "./types";

export const FLINK_SCHEMA = {
  flinkImage: { type: "string", default: pinnedFlinkImage(), description: "Flink base image; the connector image is built FROM it. Must be a Flink 1.20.x Java 17 tag." },
  flinkMode: { type: "string", default: "managed", description: "managed: the stack runs a Flink session cluster (JobManager, taskManagers, SQL Gateway) on Docker. external: submit the CDC jobs to an existing session cluster at flinkRestUrl through the SQL Gateway at flinkSqlGatewayUrl." },
  flinkRestUrl: { type: "string", default: "", description: "External Flink: the JobManager REST URL as this machine reaches it (e.g. http://flink-rest:8081)." },
  flinkSqlGatewayUrl: { type: "string", default: "", description: "External Flink: the SQL Gateway REST URL as this machine reaches it (e.g. http://flink-sql-gateway:8083)." },
  flinkCheckpointDir: { type: "string", default: "", description: "External Flink: the jobs' execution.checkpointing.dir, as the cluster reaches it (s3://, hdfs:// or file://)." },
  flinkSavepointDir: { type: "string", default: "", description: "External Flink: where upgrades and destroy write savepoints (s3://, hdfs:// or file://)." },
  flinkS3Endpoint: { type: "string", default: "", description: "External Flink with both dirs on s3://: the S3 endpoint as this machine reaches it, where loss recovery lists retained checkpoints and savepoints (region: s3Region)." },
  flinkS3AccessKey: { type: "string", default: "", description: "External Flink with both dirs on s3://: the access key loss recovery lists with; its secret key is the secret flinkS3SecretKey." },
  taskManagers: { type: "integer", default: 1, description: "Number of Flink TaskManager containers." },
  slotsPerTaskManager: { type: "integer", default: 12, description: "taskmanager.numberOfTaskSlots." },
  jobManagerMemory: { type: "string", default: "1600m", description: "jobmanager.memory.process.size." },
  taskManagerMemory: { type: "string", default: "2048m", description: "taskmanager.memory.process.size." },
  checkpointInterval: { type: "string", default: "10s", description: "execution.checkpointing.interval (duration such as 10s, 1min). CDC needs checkpoints to leave the snapshot phase." },
  sinkSemantic: { type: "string", default: "at-least-once", description: "sink.semantic: at-least-once (replays are idempotent on Primary Key tables) or exactly-once (flushes only at checkpoints)." },
  sinkFlushIntervalMs: { type: "integer", default: 1000, description: "sink.buffer-flush.interval-ms (1000-3600000). With the checkpoint interval it sets freshness." },
  sinkBufferMaxBytes: { type: "integer", default: 67108864, description: "sink.buffer-flush.max-bytes of each StarRocks sink (64 MB-10 GB). All sinks of a TaskManager must fit in half its task heap." },
  upgradeMode: { type: "string", default: "savepoint", description: "How a changed CDC job is upgraded: savepoint (no rows lost or re-read) or stateless (fresh snapshot)." },
  savepointNonce: { type: "string", default: "", description: "Change to any new value to take a one-off savepoint of every CDC job on the next `pulumi up` (jobs keep running)." },
} satisfies ConfigSchema;

export function resolveFlink(
  r: ConfigReader,
  ports: { hostAddress: string; hostPorts: Record<HostPortName, number> },
  store: { bucket: string; region: string },
): { flink: StackConfig["flink"]; flinkBase: string; flinkVersion: string } {
  const { hostAddress, hostPorts } = ports;
  const { bucket, region } = store;
  const flinkBase = r.read("flinkImage");
  // The connector jars (assets/flink/pins.txt) are built for one Flink minor line; any patch of it fits.
  const pinnedLine = flinkPins().flinkVersion.split(".").slice(0, 2).join(".");
  const flinkMatch = /^flink:(\d+\.\d+)\.\d+-scala_2\.12-java17$/.exec(flinkBase);
  const flinkVersion = flinkMatch && flinkMatch[1] === pinnedLine ? flinkBase.slice("flink:".length).split("-")[0] : undefined;
  if (!flinkVersion) r.problems.push(`flinkImage: "${flinkBase}" is not a pinned Flink ${pinnedLine} Java 17 tag such as ${pinnedFlinkImage()}`);
  const memory = (key: string): string => {
    const v = r.read(key);
    if (!/^\d+(m|mb|g|gb)$/i.test(v)) r.problems.push(`${key}: "${v}" is not a memory size such as 1600m or 2g`);
    return v;
  };
  const checkpointInterval = r.read("checkpointInterval");
  const checkpointIntervalMs = r.duration("checkpointInterval");

  const flinkMode = r.oneOf<PartMode>("flinkMode", ["managed", "external"]);
  const flinkExternal = flinkMode === "external";
  const flinkWhen = "flinkMode is external";
  let flinkUrls: StackConfig["flink"]["external"];
  let checkpointDir = `s3://${bucket}/flink/checkpoints`;
  let savepointDir = `s3://${bucket}/flink/savepoints`;
  let stateStore: StackConfig["flink"]["stateStore"];
  if (flinkExternal) {
    flinkUrls = {
      restUrl: r.httpUrl("flinkRestUrl", flinkWhen, "the JobManager REST URL"),
      sqlGatewayUrl: r.httpUrl("flinkSqlGatewayUrl", flinkWhen, "the SQL Gateway REST URL"),
    };
    const dir = (key: string): string => {
      const v = r.required(key, flinkWhen, "s3://, hdfs:// or file://").replace(/\/+$/, "");
      if (v && !/^(s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/\S*)?|hdfs:\/\/\S*\/\S+|file:\/\/\/\S+)$/.test(v)) {
        r.problems.push(`${key}: "${v}" is not an s3://<bucket>/<path>, hdfs://[namenode]/<path> or file:///<absolute path> URI`);
      }
      return v;
    };
    checkpointDir = dir("flinkCheckpointDir");
    savepointDir = dir("flinkSavepointDir");
    const s3Bucket = (uri: string) => /^s3:\/\/([^/]+)/.exec(uri)?.[1];
    const [cpBucket, spBucket] = [s3Bucket(checkpointDir), s3Bucket(savepointDir)];
    if (cpBucket && spBucket) {
      // Loss recovery lists both dirs with one S3 connection on one bucket (providers/cdcJob.ts).
      if (cpBucket !== spBucket) r.problems.push(`flinkSavepointDir: on bucket ${spBucket}, but flinkCheckpointDir is on ${cpBucket}; put both on one bucket, which loss recovery lists`);
      const when = "flinkCheckpointDir and flinkSavepointDir are on s3://";
      const endpoint = r.httpUrl("flinkS3Endpoint", when, "the S3 endpoint loss recovery lists retained checkpoints and savepoints on");
      const accessKey = r.required("flinkS3AccessKey", when, "the S3 access key loss recovery lists with");
      r.requiredSecret(SECRET_CONFIG_KEYS.FLINK_S3_SECRET_KEY, when);
      stateStore = { endpoint, bucket: cpBucket, region, accessKey };
    }
  } else {
    stateStore = { endpoint: `http://${hostAddress}:${hostPorts.minioApi}`, bucket, region };
  }
  const flink: StackConfig["flink"] = {
    mode: flinkMode,
    external: flinkUrls,
    checkpointDir,
    savepointDir,
    stateStore,
    taskManagers: r.int("taskManagers", 1, 32),
    slotsPerTaskManager: r.int("slotsPerTaskManager", 1, 256),
    jobManagerMemory: memory("jobManagerMemory"),
    taskManagerMemory: memory("taskManagerMemory"),
    checkpointInterval,
    checkpointIntervalMs,
    sinkSemantic: r.oneOf<SinkSemantic>("sinkSemantic", ["at-least-once", "exactly-once"]),
    sinkFlushIntervalMs: r.int("sinkFlushIntervalMs", 1000, 3600000),
    sinkBufferMaxBytes: r.int("sinkBufferMaxBytes", SINK_BUFFER_MAX_BYTES_MIN, SINK_BUFFER_MAX_BYTES_MAX),
    upgradeMode: r.oneOf<UpgradeMode>("upgradeMode", ["savepoint", "stateless"]),
    savepointNonce: r.read("savepointNonce"),
  };
  return { flink, flinkBase, flinkVersion: flinkVersion ?? flinkPins().flinkVersion };
}

/**
 * Problems with running `jobs` CDC jobs at the configured parallelism on this Flink part: the slots they need,
 * and the sinks a TaskManager may host (one per slot it fills), each buffering up to
 * sink.buffer-flush.max-bytes on the task heap, which must leave half of it to the sources and the records in flight.
 */
export function jobCapacityProblems(f: StackConfig["flink"], jobs: number, parallelism: number): string[] {
  const problems: string[] = [];
  const slots = f.taskManagers * f.slotsPerTaskManager;
  // An external cluster's slots are its operator's to size.
  if (f.mode === "managed" && jobs * parallelism > slots) {
    problems.push(`slotsPerTaskManager: ${jobs} CDC jobs at parallelism ${parallelism} need ${jobs * parallelism} slots, but ${f.taskManagers} TaskManager(s) x ${f.slotsPerTaskManager} slots give ${slots}; raise taskManagers or slotsPerTaskManager`);
  }
  const processBytes = memoryBytes(f.taskManagerMemory);
  if (processBytes === undefined) return problems;
  const heap = taskHeapBytes(processBytes);
  const perTm = Math.min(jobs * parallelism, f.slotsPerTaskManager);
  const mib = (b: number) => `${Math.round(b / 1048576)} MiB`;
  if (perTm * f.sinkBufferMaxBytes <= heap / 2) return problems;
  problems.push(`sinkBufferMaxBytes: ${perTm} sinks x ${mib(f.sinkBufferMaxBytes)} (sink.buffer-flush.max-bytes) need ${mib(perTm * f.sinkBufferMaxBytes)} of a TaskManager's task heap, but half of the ~${mib(heap)} task heap of taskManagerMemory ${f.taskManagerMemory} is ${mib(heap / 2)}; lower sinkBufferMaxBytes (min ${SINK_BUFFER_MAX_BYTES_MIN}), raise taskManagerMemory, or add taskManagers`);
  return problems;
}
