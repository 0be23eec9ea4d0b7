/**
 * Cluster options the CDC jobs depend on (render/flink.ts) and the sink-buffer check (config/flink.ts):
 * - a bounded restart strategy, so a job that cannot run ends in FAILED instead of restarting forever
 *   (Flink 1.20 RestartStrategyOptions keys);
 * - managed memory near 0.05 (no RocksDB, no batch operators), leaving the task heap to the sink buffers;
 * - every sink's sink.buffer-flush.max-bytes fitting half the task heap of a TaskManager.
 */
import { ConfigError, resolveConfig } from "../../config";
import { flinkProperties } from "../../render/flink";
import { taskHeapBytes } from "../../render/flinkMemory";
import { renderCdcJobs, PLACEHOLDER_SECRETS } from "../../render/flinkJob";

const S3 = { accessKey: "ak", secretKey: "sk" };
const props = (raw = {}) => Object.fromEntries(flinkProperties(resolveConfig(raw, { stack: "dev" }), "taskmanager", S3));

test("a bounded failure-rate restart strategy, on every Flink process", () => {
  for (const role of ["jobmanager", "taskmanager", "sql-gateway"] as const) {
    const p = Object.fromEntries(flinkProperties(resolveConfig({}, { stack: "dev" }), role, S3));
    expect(p).toMatchObject({
      "restart-strategy.type": "failure-rate",
      "restart-strategy.failure-rate.max-failures-per-interval": "3",
      "restart-strategy.failure-rate.failure-rate-interval": "5min",
      "restart-strategy.failure-rate.delay": "10s",
    });
  }
});

test("managed memory is a small fraction, so the task heap holds the sinks' buffers", () => {
  expect(props()["taskmanager.memory.managed.fraction"]).toBe("0.05");
  const MiB = 1048576;
  // 2048m: Flink's model gives ~538 MiB task heap at the default 0.4, ~1093 MiB at 0.05.
  expect(Math.round(taskHeapBytes(2048 * MiB, 0.4) / MiB)).toBe(538);
  expect(Math.round(taskHeapBytes(2048 * MiB) / MiB)).toBe(1093);
});

test("sink.buffer-flush.max-bytes follows config (default 64 MB, the connector's minimum)", () => {
  const [orders] = renderCdcJobs(resolveConfig({ tables: ["orders"] }, { stack: "dev" }), PLACEHOLDER_SECRETS);
  expect(orders.statements[1]).toContain(`'sink.buffer-flush.max-bytes' = '67108864'`);
  const [big] = renderCdcJobs(resolveConfig({ tables: ["orders"], sinkBufferMaxBytes: 94371840 }, { stack: "dev" }), PLACEHOLDER_SECRETS);
  expect(big.statements[1]).toContain(`'sink.buffer-flush.max-bytes' = '94371840'`);
});

test("sink buffers that do not fit half the task heap are refused, naming the key and the way out", () => {
  const err = (() => {
    try {
      resolveConfig({ taskManagerMemory: "1024m" }, { stack: "dev" });
    } catch (e) {
      return e as Error;
    }
    throw new Error("accepted");
  })();
  expect(err).toBeInstanceOf(ConfigError);
  expect(err.message).toMatch(/sinkBufferMaxBytes: 6 sinks x 64 MiB \(sink\.buffer-flush\.max-bytes\) need 384 MiB .* task heap of taskManagerMemory 1024m is 114 MiB; lower sinkBufferMaxBytes .*raise taskManagerMemory/);
  expect(() => resolveConfig({ sinkBufferMaxBytes: 1024 }, { stack: "dev" })).toThrow(/sinkBufferMaxBytes: 1024 is out of range; allowed 67108864\.\.10737418240/);
  // The defaults fit, and more TaskManager memory makes room for bigger buffers.
  expect(() => resolveConfig({}, { stack: "dev" })).not.toThrow();
  expect(() => resolveConfig({ sinkBufferMaxBytes: 134217728 }, { stack: "dev" })).toThrow(/sinkBufferMaxBytes/);
  expect(() => resolveConfig({ sinkBufferMaxBytes: 134217728, taskManagerMemory: "4g" }, { stack: "dev" })).not.toThrow();
});
