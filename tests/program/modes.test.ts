/**
 * Every combination of sourceMode, starrocksMode and flinkMode under Pulumi mocks: an external part declares
 * no container, the providers reach it at its configured endpoints, dependencies follow what runs, the
 * outputs keep one shape, and no secret appears in a plain output.
 */
import { resolveConfig } from "../../config";
import { plannedResources } from "../../render/manifest";
import { ProgramRun, isSecretValue, plain, runProgram } from "./harness";

const CONTAINER = "docker:index/container:Container";
const DYNAMIC = "pulumi-nodejs:dynamic/";
type Mode = "managed" | "external";
interface Combo { source: Mode; starrocks: Mode; flink: Mode }

const COMBOS: Combo[] = [];
for (const source of ["managed", "external"] as Mode[]) {
  for (const starrocks of ["managed", "external"] as Mode[]) {
    for (const flink of ["managed", "external"] as Mode[]) COMBOS.push({ source, starrocks, flink });
  }
}
const label = (c: Combo) => `source ${c.source}, starrocks ${c.starrocks}, flink ${c.flink}`;

/** Secret config values of external parts; none may show up in a plain output. */
const SECRETS = {
  sourcePassword: "src-secret-7f3a",
  starrocksAdminPassword: "sr-admin-secret-91c2",
  flinkS3SecretKey: "flink-s3-secret-55d0",
};

function configFor(c: Combo): { config: Record<string, unknown>; secretKeys: string[] } {
  const config: Record<string, unknown> = {};
  const secretKeys: string[] = [];
  if (c.source === "external") {
    Object.assign(config, { sourceMode: "external", sourceHost: "db.internal", sourcePassword: SECRETS.sourcePassword });
    secretKeys.push("sourcePassword");
  }
  if (c.starrocks === "external") {
    Object.assign(config, { starrocksMode: "external", starrocksHost: "sr-fe.internal", starrocksQueryPort: 9031, starrocksHttpPort: 8031, starrocksAdminUser: "cdc_admin", starrocksAdminPassword: SECRETS.starrocksAdminPassword });
    secretKeys.push("starrocksAdminPassword");
  }
  if (c.flink === "external") {
    Object.assign(config, {
      flinkMode: "external",
      flinkRestUrl: "http://flink-rest.internal:8081",
      flinkSqlGatewayUrl: "http://flink-gateway.internal:8083/",
      flinkCheckpointDir: "s3://flink-state/checkpoints",
      flinkSavepointDir: "s3://flink-state/savepoints",
      flinkS3Endpoint: "https://s3.internal",
      flinkS3AccessKey: "flink-ak",
      flinkS3SecretKey: SECRETS.flinkS3SecretKey,
    });
    secretKeys.push("flinkS3SecretKey");
  }
  return { config, secretKeys };
}

const runs = new Map<string, ProgramRun>();
beforeAll(async () => {
  for (const c of COMBOS) {
    const { config, secretKeys } = configFor(c);
    runs.set(label(c), await runProgram(config, "dev", secretKeys));
  }
}, 240_000);

const dependsOn = (run: ProgramRun, type: string, name: string) => run.options.get(`${DYNAMIC}${type}::${name}`)!.dependsOn.join("\n");
const dynamicNames = (run: ProgramRun) => run.resources.filter((r) => r.type.startsWith(DYNAMIC)).map((r) => `${r.type.slice(DYNAMIC.length)} ${r.name}`).sort();

describe.each(COMBOS.map((c) => [label(c), c] as const))("%s", (name, c) => {
  const run = () => runs.get(name)!;

  test("declares a container only for each managed part, and MinIO only while a managed part needs it", () => {
    const expected = [
      ...(c.starrocks === "managed" || c.flink === "managed" ? ["minio"] : []),
      ...(c.source === "managed" ? ["mysql"] : []),
      ...(c.starrocks === "managed" ? ["starrocks-fe", "starrocks-cn-0"] : []),
      ...(c.flink === "managed" ? ["jobmanager", "taskmanager-0", "sql-gateway"] : []),
    ];
    expect(run().byType(CONTAINER).map((r) => r.name).sort()).toEqual(expected.sort());
    expect(run().byType("docker:index/image:Image").length).toBe(c.flink === "managed" ? 1 : 0);
    expect((run().outputs.containerNames as string[]).length).toBe(expected.length);
  });

  test("declares exactly the dynamic resources manifest.json lists for the same config", () => {
    const { config } = configFor(c);
    const planned = plannedResources(resolveConfig(config, { stack: "dev" })).map((r) => `${r.type} ${r.name}`).sort();
    expect(dynamicNames(run())).toEqual(planned);
    const names = dynamicNames(run()).join("\n");
    // The cluster's operator owns root's password and the compute nodes; the stack never touches them.
    if (c.starrocks === "external") {
      expect(names).not.toMatch(/RootPassword|ComputeNode|StorageVolume/);
    } else {
      expect(names).toMatch(/starrocks:ComputeNode starrocks-cn-0-registration/);
    }
    expect(names.includes("minio:Bucket bucket")).toBe(c.starrocks === "managed" || c.flink === "managed");
  });

  test("StarRocks resources connect to the configured FE as its administrator, or to the managed FE as root after its password is set", () => {
    const db = run().one(`${DYNAMIC}starrocks:Database`, "sink-database").inputs;
    const loader = run().one(`${DYNAMIC}starrocks:LoaderUser`, "loader-user").inputs;
    if (c.starrocks === "external") {
      expect({ host: db.host, port: db.port, user: db.user }).toEqual({ host: "sr-fe.internal", port: 9031, user: "cdc_admin" });
      expect(plain(loader.password)).toBe(SECRETS.starrocksAdminPassword);
      // No container to wait for: the database is the first thing the stack does on the cluster.
      expect(dependsOn(run(), "starrocks:Database", "sink-database")).not.toMatch(/docker|root-password|storage-volume/);
    } else {
      expect({ host: db.host, port: db.port, user: db.user }).toEqual({ host: "127.0.0.1", port: 9030, user: "root" });
      expect(dependsOn(run(), "starrocks:Database", "sink-database")).toContain("storage-volume");
      expect(dependsOn(run(), "starrocks:RootPassword", "root-password")).toContain("starrocks-fe");
    }
    expect(dependsOn(run(), "starrocks:LoaderUser", "loader-user")).toContain("sink-table-orders");
  });

  test("CDC jobs go to the configured session cluster, wait for what the stack runs, and reach StarRocks where Flink does", () => {
    const job = run().one(`${DYNAMIC}flink:CdcJob`, "cdc-job-orders");
    const deps = dependsOn(run(), "flink:CdcJob", "cdc-job-orders");
    for (const needed of ["source-preflight", "loader-user", "sink-table-orders"]) expect(deps).toContain(needed);
    const statements: string[] = plain(job.inputs.statements);
    const sink = statements[1];
    if (c.starrocks === "external") {
      expect(sink).toContain("'jdbc-url' = 'jdbc:mysql://sr-fe.internal:9031'");
      expect(sink).toContain("'load-url' = 'sr-fe.internal:8031'");
    } else {
      expect(sink).toContain("'load-url' = 'starrocks-fe:8030'");
    }
    if (c.flink === "external") {
      expect(deps).not.toMatch(/sql-gateway|taskmanager/);
      expect(job.inputs).toMatchObject({
        restUrl: "http://flink-rest.internal:8081",
        gatewayUrl: "http://flink-gateway.internal:8083",
        checkpointDir: "s3://flink-state/checkpoints",
        savepointDir: "s3://flink-state/savepoints",
        s3Endpoint: "https://s3.internal",
        bucket: "flink-state",
      });
      expect(plain(job.inputs.s3AccessKey)).toBe("flink-ak");
      expect(plain(job.inputs.s3SecretKey)).toBe(SECRETS.flinkS3SecretKey);
      // The external cluster's own configuration is not the stack's: the jobs carry their checkpointing.
      expect(job.inputs.jobOptions).toMatchObject({
        "execution.checkpointing.interval": "10s",
        "execution.checkpointing.dir": "s3://flink-state/checkpoints",
        "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
      });
    } else {
      for (const needed of ["sql-gateway", "taskmanager-0"]) expect(deps).toContain(needed);
      expect(job.inputs).toMatchObject({ gatewayUrl: "http://127.0.0.1:8083", s3Endpoint: "http://127.0.0.1:9000", bucket: "starrocks-cdc" });
      expect(job.inputs.jobOptions).toBeUndefined();
    }
  });

  test("every password and key a dynamic resource receives is a secret", () => {
    let checked = 0;
    for (const r of run().resources.filter((x) => x.type.startsWith(DYNAMIC))) {
      for (const key of ["password", "loaderPassword", "cdcPassword", "accessKey", "secretKey", "s3AccessKey", "s3SecretKey"]) {
        if (!(key in r.inputs)) continue;
        expect([r.name, key, isSecretValue(r.inputs[key])]).toEqual([r.name, key, true]);
        checked++;
      }
      // A job's SQL is a plain input, so previews can show it: it holds placeholders, never a password.
      if ("statements" in r.inputs) {
        const sql = JSON.stringify(r.inputs.statements);
        for (const value of Object.values(SECRETS)) expect([r.name, sql.includes(value)]).toEqual([r.name, false]);
        expect(sql).toContain("${CDC_PASSWORD}");
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  test("no secret appears in a plain output, and credential outputs are secrets", () => {
    const secretValues = [
      ...Object.values(SECRETS),
      ...run().byType("random:index/randomPassword:RandomPassword").map((r) => `pw-${r.name}`),
    ];
    for (const [outputName, value] of Object.entries(run().outputs)) {
      if (run().secretOutputs.includes(outputName)) continue;
      const text = JSON.stringify(value) ?? "";
      for (const s of secretValues) expect([outputName, text.includes(s)]).toEqual([outputName, false]);
    }
    for (const name of ["sourceUrl", "sinkUrl", "starrocksRootPassword", "mysqlRootPassword", "minioRootUser", "minioRootPassword"]) {
      expect(run().secretOutputs).toContain(name);
    }
  });

  test("outputs keep the shape of the all-managed stack; external endpoints come from config", () => {
    const base = runs.get(label({ source: "managed", starrocks: "managed", flink: "managed" }))!;
    const shape = (r: ProgramRun) => Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, Array.isArray(v) ? "array" : v && typeof v === "object" ? Object.keys(v as object).sort() : typeof v]));
    expect(shape(run())).toEqual(shape(base));
    const e = run().outputs.endpoints as Record<string, string>;
    expect(e.starrocksQuery).toBe(c.starrocks === "external" ? "sr-fe.internal:9031" : "127.0.0.1:9030");
    expect(e.starrocksHttp).toBe(c.starrocks === "external" ? "http://sr-fe.internal:8031" : "http://127.0.0.1:8030");
    expect(e.flinkUi).toBe(c.flink === "external" ? "http://flink-rest.internal:8081" : "http://127.0.0.1:8081");
    expect(e.minioApi).toBe(c.starrocks === "external" && c.flink === "external" ? "" : "http://127.0.0.1:9000");
    expect(run().outputs.checkpointDir).toBe(c.flink === "external" ? "s3://flink-state/checkpoints" : "s3://starrocks-cdc/flink/checkpoints");
    expect(run().outputs.modes).toEqual(c);
    expect(run().outputs.sinkUrl).toMatch(c.starrocks === "external" ? /^mysql:\/\/flink_loader_dev:[^@]+@sr-fe\.internal:9031\/shop$/ : /@127\.0\.0\.1:9030\/shop$/);
  });
});

test("all three external: a pure control plane, with no Docker resource at all", () => {
  const run = runs.get(label({ source: "external", starrocks: "external", flink: "external" }))!;
  expect(run.resources.filter((r) => r.type.startsWith("docker:"))).toEqual([]);
  expect(run.outputs.containerNames).toEqual([]);
  // What the stack did not generate it does not output: the administrators' credentials stay in config.
  for (const name of ["starrocksRootPassword", "mysqlRootPassword", "minioRootUser", "minioRootPassword"]) expect(run.outputs[name]).toBe("");
});

test("external StarRocks with starrocksStorageVolume creates the volume at the configured S3 location, with secret credentials", async () => {
  const run = await runProgram({
    starrocksMode: "external", starrocksHost: "sr-fe.internal", starrocksAdminPassword: "adm",
    starrocksStorageVolume: true, starrocksVolumeLocation: "s3://lake/cdc", starrocksVolumeEndpoint: "https://s3.internal",
    starrocksVolumeAccessKey: "vol-ak", starrocksVolumeSecretKey: "vol-sk",
  }, "dev", ["starrocksAdminPassword", "starrocksVolumeSecretKey"]);
  const volume = run.one(`${DYNAMIC}starrocks:StorageVolume`, "storage-volume").inputs;
  expect({ location: volume.location, endpoint: volume.endpoint, host: volume.host, user: volume.user }).toEqual({ location: "s3://lake/cdc", endpoint: "https://s3.internal", host: "sr-fe.internal", user: "root" });
  expect([isSecretValue(volume.accessKey), plain(volume.accessKey), isSecretValue(volume.secretKey), plain(volume.secretKey)]).toEqual([true, "vol-ak", true, "vol-sk"]);
  expect(dependsOn(run, "starrocks:Database", "sink-database")).toContain("storage-volume");
  expect(dependsOn(run, "starrocks:StorageVolume", "storage-volume")).not.toMatch(/bucket|root-password/);
});

test("external Flink with hdfs:// or file:// state needs no S3 settings; the jobs get no object store", async () => {
  const run = await runProgram({
    flinkMode: "external", flinkRestUrl: "http://jm:8081", flinkSqlGatewayUrl: "http://gw:8083",
    flinkCheckpointDir: "hdfs://namenode:8020/flink/checkpoints", flinkSavepointDir: "file:///shared/savepoints",
  });
  const job = run.one(`${DYNAMIC}flink:CdcJob`, "cdc-job-orders").inputs;
  expect({ bucket: job.bucket, s3Endpoint: job.s3Endpoint, checkpointDir: job.checkpointDir, savepointDir: job.savepointDir }).toEqual({
    bucket: "", s3Endpoint: "", checkpointDir: "hdfs://namenode:8020/flink/checkpoints", savepointDir: "file:///shared/savepoints",
  });
  expect(run.byType("random:index/randomPassword:RandomPassword").map((r) => r.name)).not.toContain("secrets-flink-s3-secret-key");
});

test.each([
  [{ starrocksMode: "external" }, ["starrocksAdminPassword"], /starrocksHost: required when starrocksMode is external/],
  [{ starrocksMode: "external", starrocksHost: "fe" }, [], /starrocksAdminPassword: required when starrocksMode is external; set it with `pulumi config set --secret starrocksAdminPassword/],
  [{ flinkMode: "external", flinkSqlGatewayUrl: "http://gw:8083", flinkCheckpointDir: "file:///c", flinkSavepointDir: "file:///s" }, [], /flinkRestUrl: required when flinkMode is external/],
  [{ flinkMode: "external", flinkRestUrl: "http://jm:8081", flinkSqlGatewayUrl: "http://gw:8083", flinkCheckpointDir: "s3://b/c", flinkSavepointDir: "s3://b/s" }, [], /flinkS3Endpoint: required when flinkCheckpointDir and flinkSavepointDir are on s3:\/\//],
])("preview fails before any resource for %j, naming the key", async (config, secretKeys, message) => {
  const withSecrets = { ...config, ...Object.fromEntries(secretKeys.map((k) => [k, "x"])) };
  await expect(runProgram(withSecrets, "dev", secretKeys)).rejects.toThrow(message);
});
