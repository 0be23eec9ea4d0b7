/** manifest.json: every container and every dynamic resource a stack declares (a public interface). */
import { TableDef, replicatedTables } from "../catalog/tables";
import { StackConfig } from "../config";
import { ContainerSpec } from "./containers";

export interface ManifestContainer {
  name: string;
  image: string;
  ports: Array<{ hostIp: string; hostPort: number; containerPort: number }>;
  /** Variable names only: values may be secret. */
  env: string[];
  volumes: Array<{ name: string; containerPath: string; retainOnDelete: boolean }>;
  healthcheck: { test: string[]; interval: string; timeout: string; startPeriod: string; retries: number };
}

export interface PlannedResource {
  /** Dynamic resource type as `<module>:<Type>` (the token is `pulumi-nodejs:dynamic/<module>:<Type>`). */
  type: string;
  name: string;
}

export interface Manifest {
  containers: ManifestContainer[];
  resources: PlannedResource[];
}

/**
 * The dynamic resources the program declares, in the order `pulumi up` reconciles them. index.ts uses
 * these names, and a test checks the declared graph against this list.
 */
export function plannedResources(cfg: StackConfig, tables: readonly TableDef[] = replicatedTables(cfg.tables)): PlannedResource[] {
  const r: PlannedResource[] = [];
  if (cfg.minio.enabled) r.push({ type: "minio:Bucket", name: "bucket" });
  if (cfg.source.mode === "managed") {
    r.push({ type: "mysql:SourceSchema", name: "source-schema" });
    r.push({ type: "mysql:CdcUser", name: "cdc-user" });
  }
  r.push({ type: "mysql:SourcePreflight", name: "source-preflight" });
  // An external cluster's root password and compute nodes belong to its operator.
  if (cfg.starrocks.mode === "managed") {
    r.push({ type: "starrocks:RootPassword", name: "root-password" });
    for (let i = 0; i < cfg.starrocks.cnCount; i++) r.push({ type: "starrocks:ComputeNode", name: `starrocks-cn-${i}-registration` });
  }
  if (cfg.starrocks.storageVolume) r.push({ type: "starrocks:StorageVolume", name: "storage-volume" });
  r.push({ type: "starrocks:Database", name: "sink-database" });
  for (const t of tables) r.push({ type: "starrocks:Table", name: `sink-table-${t.name}` });
  r.push({ type: "starrocks:LoaderUser", name: "loader-user" });
  for (const t of tables) r.push({ type: "flink:CdcJob", name: `cdc-job-${t.name}` });
  return r;
}

export function renderManifest(cfg: StackConfig, specs: ContainerSpec[], tables: readonly TableDef[] = replicatedTables(cfg.tables)): Manifest {
  return {
    containers: specs.map((s) => ({
      name: s.name,
      image: s.image,
      ports: s.ports.map((p) => ({ hostIp: p.hostIp, hostPort: p.hostPort, containerPort: p.containerPort })),
      env: s.env.map(([k]) => k),
      volumes: s.volumes.map((v) => ({ name: `${cfg.prefix}-${v.volume}`, containerPath: v.containerPath, retainOnDelete: v.data && cfg.retainData })),
      healthcheck: { ...s.healthcheck },
    })),
    resources: plannedResources(cfg, tables),
  };
}
