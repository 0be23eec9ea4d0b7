/** The StarRocks part: managed (one FE and cnCount compute nodes on this host) or an existing cluster's FE. */
import { ConfigReader, ConfigSchema } from "./reader";
import { ALIASES, CONTAINER_PORTS } from "./ports";
import { SECRET_CONFIG_KEYS } from "./secrets";
import type { PartMode, StackConfig } from "./types";

export const STARROCKS_SCHEMA = {
  starrocksVersion: { type: "string", default: "3.5.12", description: "Tag of starrocks/fe-ubuntu and starrocks/cn-ubuntu." },
  cnCount: { type: "integer", default: 1, description: "Number of StarRocks compute nodes (1-16)." },
  feHeapSizeMb: { type: "integer", default: 2048, description: "StarRocks FE JVM heap (-Xmx) in MB; the image default of 8192 is too much for a laptop." },
  cnMemLimit: { type: "string", default: "4G", description: "StarRocks CN mem_limit: an absolute size (e.g. 4G) or a percentage (e.g. 80%)." },
  cnCompactThreads: { type: "integer", default: 4, description: "CN compact_threads." },
  cnPublishVersionWorkerCount: { type: "integer", default: 0, description: "CN transaction_publish_version_worker_count (0 = number of cores)." },
  cnL0MaxMemUsage: { type: "integer", default: 104857600, description: "CN l0_max_mem_usage in bytes." },
  feLakeIngestSlowdownThreshold: { type: "integer", default: 100, description: "FE lake_ingest_slowdown_threshold (compaction score where commits start to slow)." },
  feLakeCompactionScoreUpperBound: { type: "integer", default: 2000, description: "FE lake_compaction_score_upper_bound (score where commits are refused; 0 = none)." },
  feExtraConf: { type: "array", default: [], description: "Extra fe.conf lines (`key = value`), appended last so they win." },
  cnExtraConf: { type: "array", default: [], description: "Extra cn.conf lines (`key = value`), appended last so they win." },
  starrocksMode: { type: "string", default: "managed", description: "managed: the stack runs StarRocks shared-data (one FE, cnCount compute nodes) on MinIO. external: use an existing cluster's FE at starrocksHost as starrocksAdminUser; the stack creates only the database, tables, loader user and (with starrocksStorageVolume) the storage volume, and never registers compute nodes." },
  starrocksHost: { type: "string", default: "", description: "External StarRocks: the FE host as both this machine and the Flink cluster reach it (e.g. the operator's FE service)." },
  starrocksQueryPort: { type: "integer", default: 9030, description: "External StarRocks: the FE's MySQL-protocol port (query_port)." },
  starrocksHttpPort: { type: "integer", default: 8030, description: "External StarRocks: the FE's HTTP port (http_port), where Stream Load starts before the redirect to a compute node." },
  starrocksAdminUser: { type: "string", default: "root", description: "External StarRocks: the administrator the stack connects as (creates the database, tables and loader user); its password is the secret starrocksAdminPassword." },
  starrocksStorageVolume: { type: "boolean", default: false, description: "External StarRocks: also create the storage volume cdc_volume at starrocksVolumeLocation and make it the cluster's default (managed mode always creates it, on MinIO)." },
  starrocksVolumeLocation: { type: "string", default: "", description: "With starrocksStorageVolume: s3://<bucket>[/prefix] the volume stores data under." },
  starrocksVolumeEndpoint: { type: "string", default: "", description: "With starrocksStorageVolume: the S3 endpoint as the FE and compute nodes reach it (http:// or https://); region: s3Region." },
  starrocksVolumeAccessKey: { type: "string", default: "", description: "With starrocksStorageVolume: the S3 access key of the volume; its secret key is the secret starrocksVolumeSecretKey." },
  sinkDatabase: { type: "string", default: "shop", description: "StarRocks database receiving the replicated tables." },
  loaderUser: { type: "string", default: "flink_loader", description: "StarRocks user the Flink sink loads with (SELECT and INSERT on the sink database only)." },
} satisfies ConfigSchema;

export function resolveStarRocks(r: ConfigReader, store: { bucket: string; region: string }): { starrocks: StackConfig["starrocks"]; fe: string; cn: string } {
  const { bucket, region } = store;
  const starrocksVersion = r.read("starrocksVersion");
  if (!/^\d+\.\d+\.\d+$/.test(starrocksVersion)) r.problems.push(`starrocksVersion: "${starrocksVersion}" is not a pinned patch version such as 3.5.12`);
  const cnMemLimit = r.read("cnMemLimit");
  if (!/^(\d+(\.\d+)?[KMGT]?|\d{1,2}%|100%)$/.test(cnMemLimit)) r.problems.push(`cnMemLimit: "${cnMemLimit}" is not a size such as 4G or a percentage such as 80%`);

  const starrocksMode = r.oneOf<PartMode>("starrocksMode", ["managed", "external"]);
  const srExternal = starrocksMode === "external";
  const srWhen = "starrocksMode is external";
  const srHost = srExternal ? r.required("starrocksHost", srWhen, "the FE host this machine and the Flink cluster connect to") : "";
  const srQueryPort = r.int("starrocksQueryPort", 1, 65535);
  const srHttpPort = r.int("starrocksHttpPort", 1, 65535);
  const srAdminUser = srExternal ? r.ident("starrocksAdminUser") : "root";
  if (srExternal) r.requiredSecret(SECRET_CONFIG_KEYS.STARROCKS_ADMIN_PASSWORD, srWhen);
  let storageVolume: StackConfig["starrocks"]["storageVolume"];
  if (!srExternal) {
    storageVolume = { location: `s3://${bucket}/starrocks`, endpoint: `http://${ALIASES.minio}:${CONTAINER_PORTS.minioApi}`, region };
  } else if (r.read<boolean>("starrocksStorageVolume")) {
    const when = "starrocksStorageVolume is true";
    const location = r.required("starrocksVolumeLocation", when, "s3://<bucket>[/prefix]");
    if (location && !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/\S*)?$/.test(location)) r.problems.push(`starrocksVolumeLocation: "${location}" is not s3://<bucket>[/prefix]`);
    const endpoint = r.httpUrl("starrocksVolumeEndpoint", when, "the S3 endpoint as the FE and compute nodes reach it");
    const accessKey = r.required("starrocksVolumeAccessKey", when, "the volume's S3 access key");
    r.requiredSecret(SECRET_CONFIG_KEYS.STARROCKS_VOLUME_SECRET_KEY, when);
    storageVolume = { location: location.replace(/\/+$/, ""), endpoint, region, accessKey };
  }

  const starrocks: StackConfig["starrocks"] = {
    mode: starrocksMode,
    external: srExternal ? { host: srHost, queryPort: srQueryPort, httpPort: srHttpPort } : undefined,
    adminUser: srAdminUser,
    storageVolume,
    cnCount: r.int("cnCount", 1, 16),
    feHeapSizeMb: r.int("feHeapSizeMb", 512, 65536),
    cnMemLimit,
    cnCompactThreads: r.int("cnCompactThreads", 1, 128),
    cnPublishVersionWorkerCount: r.int("cnPublishVersionWorkerCount", 0, 256),
    cnL0MaxMemUsage: r.int("cnL0MaxMemUsage", 1048576, 17179869184),
    feLakeIngestSlowdownThreshold: r.int("feLakeIngestSlowdownThreshold", 0, 100000),
    feLakeCompactionScoreUpperBound: r.int("feLakeCompactionScoreUpperBound", 0, 1000000),
    feExtraConf: r.confLines("feExtraConf"),
    cnExtraConf: r.confLines("cnExtraConf"),
    database: r.ident("sinkDatabase"),
    loaderUser: r.ident("loaderUser"),
    // External: the same host for this machine and Flink; the FE then redirects each Stream Load to a compute node's HTTP port.
    fromFlink: srExternal
      ? { jdbcUrl: `jdbc:mysql://${srHost}:${srQueryPort}`, loadUrl: `${srHost}:${srHttpPort}` }
      : { jdbcUrl: `jdbc:mysql://${ALIASES.fe}:${CONTAINER_PORTS.feQuery}`, loadUrl: `${ALIASES.fe}:${CONTAINER_PORTS.feHttp}` },
  };
  return { starrocks, fe: `starrocks/fe-ubuntu:${starrocksVersion}`, cn: `starrocks/cn-ubuntu:${starrocksVersion}` };
}
