/** Flink's TaskManager memory model lives with the configuration that validates against it (config/flinkMemory.ts). */
export * from "../config/flinkMemory";
