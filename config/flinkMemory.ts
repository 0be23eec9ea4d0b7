/**
 * Flink 1.20's TaskManager memory model, to size the StarRocks sink buffers against the task heap (pure, no
 * imports, so config/flink.ts can validate with it). Defaults are Flink's (TaskManagerOptions; docs
 * deployment/memory/mem_setup_tm): JVM metaspace 256m; JVM overhead 10% of the process, within [192m, 1g];
 * framework heap 128m and framework off-heap 128m; task off-heap 0; network 10% of total Flink memory, within
 * [64m, 1g]; managed memory `taskmanager.memory.managed.fraction` of total Flink memory.
 */

const MiB = 1024 * 1024;

/**
 * Managed memory fraction rendered for the TaskManagers (`taskmanager.memory.managed.fraction`, Flink's
 * default 0.4). Managed memory serves RocksDB and batch operators; these jobs use the hashmap state backend
 * and streaming operators only, so at 0.4 about 635 MB of a 2048m TaskManager would sit unused while the
 * sinks' buffers live on the task heap. 0.05 keeps a little for any operator that asks for it.
 */
export const TASK_MANAGER_MANAGED_FRACTION = 0.05;

/** StarRocks sink `sink.buffer-flush.max-bytes` valid range (connector docs: [64 MB, 10 GB]). */
export const SINK_BUFFER_MAX_BYTES_MIN = 64 * MiB;
export const SINK_BUFFER_MAX_BYTES_MAX = 10 * 1024 * MiB;

/** Bytes of a Flink memory size such as 2048m, 2g, 1600mb (the forms config/ accepts). */
export function memoryBytes(size: string): number | undefined {
  const m = /^(\d+)(m|mb|g|gb)$/i.exec(size.trim());
  if (!m) return undefined;
  return Number(m[1]) * (m[2].toLowerCase().startsWith("g") ? 1024 : 1) * MiB;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

/** Task heap of a TaskManager with `taskmanager.memory.process.size` = processBytes, in bytes. */
export function taskHeapBytes(processBytes: number, managedFraction = TASK_MANAGER_MANAGED_FRACTION): number {
  const metaspace = 256 * MiB;
  const overhead = clamp(processBytes * 0.1, 192 * MiB, 1024 * MiB);
  const totalFlink = processBytes - metaspace - overhead;
  const network = clamp(totalFlink * 0.1, 64 * MiB, 1024 * MiB);
  const managed = totalFlink * managedFraction;
  return Math.max(0, totalFlink - 128 * MiB - 128 * MiB - network - managed);
}
