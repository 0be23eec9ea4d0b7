/** Ports: the host interface and offset of published ports, the fixed container ports and network aliases. */
import { ConfigReader, ConfigSchema } from "./reader";
import type { StackConfig } from "./types";

export const PORTS_SCHEMA = {
  hostAddress: { type: "string", default: "127.0.0.1", description: "Host interface every published port binds to. Use 0.0.0.0 only if other machines must reach the stack." },
  portOffset: { type: "integer", default: 0, description: "Added to every host port, so a second stack can run beside the first (e.g. 100)." },
} satisfies ConfigSchema;

/** Host-side port numbers before the offset is added. */
export const BASE_HOST_PORTS = {
  mysql: 3306,
  minioApi: 9000,
  minioConsole: 9001,
  feHttp: 8030,
  feQuery: 9030,
  flinkUi: 8081,
  sqlGateway: 8083,
} as const;
export type HostPortName = keyof typeof BASE_HOST_PORTS;

/** Ports the services listen on inside the Docker network. */
export const CONTAINER_PORTS = {
  mysql: 3306,
  minioApi: 9000,
  minioConsole: 9001,
  feHttp: 8030,
  feQuery: 9030,
  feRpc: 9020,
  feEditLog: 9010,
  cnHeartbeat: 9050,
  cnBe: 9060,
  cnHttp: 8040,
  cnBrpc: 8060,
  flinkRest: 8081,
  sqlGateway: 8083,
} as const;

/** Stable DNS aliases on the stack's network. */
export const ALIASES = {
  mysql: "mysql",
  minio: "minio",
  fe: "starrocks-fe",
  cn: (i: number) => `starrocks-cn-${i}`,
  jobManager: "jobmanager",
  taskManager: (i: number) => `taskmanager-${i}`,
  sqlGateway: "sql-gateway",
} as const;

export function resolvePorts(r: ConfigReader): Pick<StackConfig, "hostAddress" | "portOffset" | "hostPorts"> {
  const hostAddress = r.read("hostAddress");
  if (!/^(\d{1,3}\.){3}\d{1,3}$/.test(hostAddress)) {
    r.problems.push(`hostAddress: "${hostAddress}" is not an IPv4 address; use 127.0.0.1 (default) or a host interface address`);
  }
  const portOffset = r.int("portOffset", 0, 50000);
  const hostPorts = Object.fromEntries(
    Object.entries(BASE_HOST_PORTS).map(([name, port]) => [name, port + portOffset]),
  ) as Record<HostPortName, number>;
  for (const [name, port] of Object.entries(hostPorts)) {
    if (port > 65535) r.problems.push(`portOffset: ${portOffset} puts the ${name} port at ${port}, above 65535`);
  }
  return { hostAddress, portOffset, hostPorts };
}

/** Host-side URL helpers: the program and providers run on the host and use published ports. */
export function hostEndpoints(cfg: StackConfig) {
  const h = cfg.hostAddress;
  const p = cfg.hostPorts;
  const sr = cfg.starrocks.external;
  const flink = cfg.flink.external;
  return {
    mysql: { host: cfg.source.hostFromHost, port: cfg.source.portFromHost },
    starrocksQuery: sr ? { host: sr.host, port: sr.queryPort } : { host: h, port: p.feQuery },
    starrocksHttp: sr ? `http://${sr.host}:${sr.httpPort}` : `http://${h}:${p.feHttp}`,
    flinkRest: flink ? flink.restUrl : `http://${h}:${p.flinkUi}`,
    sqlGateway: flink ? flink.sqlGatewayUrl : `http://${h}:${p.sqlGateway}`,
    // "" when the stack runs no MinIO (StarRocks and Flink both external).
    minioApi: cfg.minio.enabled ? `http://${h}:${p.minioApi}` : "",
    minioConsole: cfg.minio.enabled ? `http://${h}:${p.minioConsole}` : "",
  };
}

