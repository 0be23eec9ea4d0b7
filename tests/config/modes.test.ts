/** starrocksMode and flinkMode: what each needs from config, and what the program derives from it. */
import { ConfigError, hostEndpoints, resolveConfig } from "../../config";

function problems(raw: Record<string, unknown>): string {
  try {
    resolveConfig(raw, { stack: "dev" });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.join("\n");
    throw e;
  }
  return "";
}

const SR = { starrocksMode: "external", starrocksHost: "fe.svc", starrocksAdminPassword: "(set)" };
const FLINK = { flinkMode: "external", flinkRestUrl: "http://jm:8081", flinkSqlGatewayUrl: "http://gw:8083", flinkCheckpointDir: "file:///data/cp", flinkSavepointDir: "file:///data/sp" };
const S3_STATE = { flinkCheckpointDir: "s3://state/cp", flinkSavepointDir: "s3://state/sp", flinkS3Endpoint: "http://s3:9000", flinkS3AccessKey: "ak", flinkS3SecretKey: "(set)" };

test.each([
  [{ starrocksMode: "operator" }, /starrocksMode: "operator" is not allowed; use one of managed, external/],
  [{ ...SR, starrocksHost: "" }, /starrocksHost: required when starrocksMode is external/],
  [{ ...SR, starrocksAdminPassword: undefined }, /starrocksAdminPassword: required when starrocksMode is external; set it with `pulumi config set --secret starrocksAdminPassword <value>`/],
  [{ ...SR, starrocksQueryPort: 70000 }, /starrocksQueryPort: 70000 is out of range; allowed 1\.\.65535/],
  [{ ...SR, starrocksAdminUser: "root'--" }, /starrocksAdminUser: "root'--" is not a valid name/],
  [{ ...SR, starrocksStorageVolume: true }, /starrocksVolumeLocation: required when starrocksStorageVolume is true/],
  [{ ...SR, starrocksStorageVolume: true, starrocksVolumeLocation: "lake/cdc" }, /starrocksVolumeLocation: "lake\/cdc" is not s3:\/\/<bucket>\[\/prefix\]/],
  [{ ...SR, starrocksStorageVolume: true, starrocksVolumeLocation: "s3://lake" }, /starrocksVolumeEndpoint: required when starrocksStorageVolume is true/],
  [{ ...SR, starrocksStorageVolume: true, starrocksVolumeLocation: "s3://lake", starrocksVolumeEndpoint: "s3.internal", starrocksVolumeAccessKey: "ak", starrocksVolumeSecretKey: "x" }, /starrocksVolumeEndpoint: "s3\.internal" is not an http:\/\/ or https:\/\/ URL/],
  [{ ...SR, starrocksStorageVolume: true, starrocksVolumeLocation: "s3://lake", starrocksVolumeEndpoint: "http://s3" }, /starrocksVolumeSecretKey: required when starrocksStorageVolume is true/],
  [{ flinkMode: "session" }, /flinkMode: "session" is not allowed; use one of managed, external/],
  [{ ...FLINK, flinkSqlGatewayUrl: "" }, /flinkSqlGatewayUrl: required when flinkMode is external/],
  [{ ...FLINK, flinkRestUrl: "jm:8081" }, /flinkRestUrl: "jm:8081" is not an http:\/\/ or https:\/\/ URL/],
  [{ ...FLINK, flinkCheckpointDir: "" }, /flinkCheckpointDir: required when flinkMode is external \(s3:\/\/, hdfs:\/\/ or file:\/\/\)/],
  [{ ...FLINK, flinkSavepointDir: "gs://bucket/sp" }, /flinkSavepointDir: "gs:\/\/bucket\/sp" is not an s3:\/\/<bucket>\/<path>, hdfs:\/\/\[namenode\]\/<path> or file:\/\/\/<absolute path> URI/],
  [{ ...FLINK, flinkSavepointDir: "file://relative/sp" }, /flinkSavepointDir: "file:\/\/relative\/sp" is not/],
  [{ ...FLINK, ...S3_STATE, flinkS3Endpoint: "" }, /flinkS3Endpoint: required when flinkCheckpointDir and flinkSavepointDir are on s3:\/\//],
  [{ ...FLINK, ...S3_STATE, flinkS3SecretKey: undefined }, /flinkS3SecretKey: required when flinkCheckpointDir and flinkSavepointDir are on s3:\/\//],
  [{ ...FLINK, ...S3_STATE, flinkSavepointDir: "s3://other/sp" }, /flinkSavepointDir: on bucket other, but flinkCheckpointDir is on state; put both on one bucket/],
])("rejects %j, naming the key", (raw, message) => {
  expect(problems(raw)).toMatch(message);
});

test("managed mode ignores the external keys' empty defaults", () => {
  expect(problems({})).toBe("");
});

test("external StarRocks: providers and Flink reach the configured FE; the administrator replaces root", () => {
  const cfg = resolveConfig({ ...SR, starrocksQueryPort: 19030, starrocksHttpPort: 18030, starrocksAdminUser: "ops" }, { stack: "dev" });
  expect(cfg.starrocks.fromFlink).toEqual({ jdbcUrl: "jdbc:mysql://fe.svc:19030", loadUrl: "fe.svc:18030" });
  expect(cfg.starrocks.adminUser).toBe("ops");
  expect(cfg.starrocks.storageVolume).toBeUndefined();
  expect(hostEndpoints(cfg).starrocksQuery).toEqual({ host: "fe.svc", port: 19030 });
  expect(hostEndpoints(cfg).starrocksHttp).toBe("http://fe.svc:18030");
  // Managed Flink still keeps its state on MinIO.
  expect(cfg.minio.enabled).toBe(true);
});

test("managed StarRocks: root on the published FE port, Flink on the Docker alias, the volume on MinIO", () => {
  const cfg = resolveConfig({}, { stack: "dev" });
  expect(cfg.starrocks.fromFlink).toEqual({ jdbcUrl: "jdbc:mysql://starrocks-fe:9030", loadUrl: "starrocks-fe:8030" });
  expect(cfg.starrocks.adminUser).toBe("root");
  expect(cfg.starrocks.storageVolume).toEqual({ location: "s3://starrocks-cdc/starrocks", endpoint: "http://minio:9000", region: "us-east-1" });
});

test("external Flink: configured URLs and dirs; S3 state is listed on its own bucket, other schemes on none", () => {
  const fileCfg = resolveConfig({ ...FLINK, flinkSqlGatewayUrl: "http://gw:8083/" }, { stack: "dev" });
  expect(hostEndpoints(fileCfg).sqlGateway).toBe("http://gw:8083");
  expect(hostEndpoints(fileCfg).flinkRest).toBe("http://jm:8081");
  expect([fileCfg.flink.checkpointDir, fileCfg.flink.savepointDir]).toEqual(["file:///data/cp", "file:///data/sp"]);
  expect(fileCfg.flink.stateStore).toBeUndefined();
  const s3Cfg = resolveConfig({ ...FLINK, ...S3_STATE, s3Region: "eu-west-1" }, { stack: "dev" });
  expect(s3Cfg.flink.stateStore).toEqual({ endpoint: "http://s3:9000", bucket: "state", region: "eu-west-1", accessKey: "ak" });
});

test("an external cluster's slots are not the stack's to check", () => {
  expect(problems({ slotsPerTaskManager: 2 })).toMatch(/slotsPerTaskManager/);
  expect(problems({ ...FLINK, slotsPerTaskManager: 2 })).toBe("");
});

test("all three external is valid and needs no MinIO", () => {
  const cfg = resolveConfig({ ...SR, ...FLINK, sourceMode: "external", sourceHost: "db", sourcePassword: "(set)" }, { stack: "dev" });
  expect(cfg.minio.enabled).toBe(false);
  expect(hostEndpoints(cfg).minioApi).toBe("");
  expect(problems({ ...SR, ...FLINK })).toBe("");
});
