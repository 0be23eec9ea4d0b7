/** The pinned Flink version and connector jars live with the configuration that defaults to them (config/pins.ts). */
export * from "../config/pins";
