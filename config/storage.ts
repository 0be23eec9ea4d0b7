/** Object storage: MinIO (when a managed part needs it) and the bucket StarRocks data and Flink state live in. */
import { ConfigReader, ConfigSchema } from "./reader";
import { ALIASES, CONTAINER_PORTS } from "./ports";
import type { StackConfig } from "./types";

export const STORAGE_SCHEMA = {
  minioImage: { type: "string", default: "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z", description: "MinIO image (pinned tag; MinIO no longer publishes to Docker Hub)." },
  bucket: { type: "string", default: "starrocks-cdc", description: "MinIO bucket holding StarRocks data (prefix starrocks/) and Flink checkpoints and savepoints (prefix flink/)." },
  s3Region: { type: "string", default: "us-east-1", description: "Region name given to S3 clients of MinIO." },
  forceDestroyBucket: { type: "boolean", default: false, description: "Let `pulumi destroy` delete the bucket even when it still holds objects." },
} satisfies ConfigSchema;

export function resolveStorage(r: ConfigReader): { bucket: string; region: string; minioImage: string; forceDestroy: boolean } {
  const bucket = r.read("bucket");
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) r.problems.push(`bucket: "${bucket}" is not a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)`);
  return { bucket, region: r.read("s3Region"), minioImage: r.read("minioImage"), forceDestroy: r.read<boolean>("forceDestroyBucket") };
}

/** Object-store locations shared by StarRocks and Flink. */
export function storagePaths(cfg: StackConfig) {
  const b = cfg.minio.bucket;
  return {
    starrocksLocation: `s3://${b}/starrocks`,
    checkpoints: cfg.flink.checkpointDir,
    savepoints: cfg.flink.savepointDir,
    s3EndpointInNetwork: `http://${ALIASES.minio}:${CONTAINER_PORTS.minioApi}`,
  };
}

export const STORAGE_VOLUME_NAME = "cdc_volume";
