/** `npm run render` of stacks with external parts: no container for what the stack does not run, every dynamic resource. */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resolveConfig } from "../../config";
import { renderAll } from "../../render/all";
import { plannedResources } from "../../render/manifest";

const root = path.resolve(__dirname, "../..");

/** A stack file as `pulumi config set [--secret]` writes it: secrets encrypted under `secure`. */
const ALL_EXTERNAL_STACK = `config:
  starrocks-cdc:sourceMode: external
  starrocks-cdc:sourceHost: db.internal
  starrocks-cdc:sourcePassword:
    secure: AAABAGVuY3J5cHRlZA==
  starrocks-cdc:starrocksMode: external
  starrocks-cdc:starrocksHost: kube-starrocks-fe-service.starrocks.svc
  starrocks-cdc:starrocksAdminPassword:
    secure: AAABAGVuY3J5cHRlZA==
  starrocks-cdc:starrocksStorageVolume: true
  starrocks-cdc:starrocksVolumeLocation: s3://lake/cdc
  starrocks-cdc:starrocksVolumeEndpoint: https://s3.internal
  starrocks-cdc:starrocksVolumeAccessKey: lake-ak
  starrocks-cdc:starrocksVolumeSecretKey:
    secure: AAABAGVuY3J5cHRlZA==
  starrocks-cdc:flinkMode: external
  starrocks-cdc:flinkRestUrl: http://cdc-session-rest.flink.svc:8081
  starrocks-cdc:flinkSqlGatewayUrl: http://cdc-sql-gateway.flink.svc:8083
  starrocks-cdc:flinkCheckpointDir: hdfs://namenode:8020/flink/checkpoints
  starrocks-cdc:flinkSavepointDir: hdfs://namenode:8020/flink/savepoints
`;

function renderStack(stackFile: string): { out: string; files: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-ext-"));
  fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  fs.writeFileSync(path.join(dir, "Pulumi.ext.yaml"), stackFile);
  const out = path.join(dir, "out");
  execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(root, "render/cli.ts"), "--stack", "ext", "--out", out, "--project-dir", dir], { cwd: root, stdio: "pipe" });
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(path.relative(out, p));
    }
  };
  walk(out);
  return { out, files: files.sort() };
}

test("an all-external stack renders no container, no container config, and every dynamic resource", () => {
  const { out, files } = renderStack(ALL_EXTERNAL_STACK);
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
    expect(manifest.containers).toEqual([]);
    const raw = { sourceMode: "external", sourceHost: "db", sourcePassword: "x", starrocksMode: "external", starrocksHost: "fe", starrocksAdminPassword: "x",
      starrocksStorageVolume: true, starrocksVolumeLocation: "s3://lake/cdc", starrocksVolumeEndpoint: "https://s3.internal", starrocksVolumeAccessKey: "ak", starrocksVolumeSecretKey: "x",
      flinkMode: "external", flinkRestUrl: "http://jm:8081", flinkSqlGatewayUrl: "http://gw:8083", flinkCheckpointDir: "hdfs://nn/c", flinkSavepointDir: "hdfs://nn/s" };
    expect(manifest.resources).toEqual(plannedResources(resolveConfig(raw, { stack: "ext" })));
    expect(manifest.resources.map((r: { type: string }) => r.type)).toEqual(expect.arrayContaining(["mysql:SourcePreflight", "starrocks:StorageVolume", "starrocks:Database", "starrocks:Table", "starrocks:LoaderUser", "flink:CdcJob"]));
    expect(manifest.resources.map((r: { type: string }) => r.type)).not.toEqual(expect.arrayContaining(["minio:Bucket"]));
    expect(manifest.resources.map((r: { type: string }) => r.type).filter((t: string) => /RootPassword|ComputeNode|Bucket/.test(t))).toEqual([]);
    // Only what the stack itself submits or creates; no fe.conf, cn.conf or Flink cluster config.
    expect(files.filter((f) => f.startsWith("starrocks/") || f.startsWith("flink/"))).toEqual([]);
    expect(files).toContain("sql/starrocks/storage-volume.sql");
    const volume = fs.readFileSync(path.join(out, "sql/starrocks/storage-volume.sql"), "utf8");
    expect(volume).toContain('"aws.s3.endpoint" = "https://s3.internal"');
    expect(volume).toContain('"aws.s3.secret_key" = "${STARROCKS_VOLUME_SECRET_KEY}"');
    const job = fs.readFileSync(path.join(out, "sql/flink/orders.sql"), "utf8");
    expect(job).toContain("execution.checkpointing.dir=hdfs://namenode:8020/flink/checkpoints");
    expect(job).toContain("'load-url' = 'kube-starrocks-fe-service.starrocks.svc:8030'");
  } finally {
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
});

test("external StarRocks without the storage volume opt-in renders no storage volume", () => {
  const files = renderAll(resolveConfig({ starrocksMode: "external", starrocksHost: "fe", starrocksAdminPassword: "x" }, { stack: "dev" }));
  expect(Object.keys(files)).not.toContain("sql/starrocks/storage-volume.sql");
  expect(Object.keys(files)).not.toContain("starrocks/fe.conf");
  expect(Object.keys(files)).toContain("flink/config.yaml");
  const manifest = JSON.parse(files["manifest.json"]);
  expect(manifest.containers.map((c: { name: string }) => c.name)).toEqual(
    ["minio", "mysql", "jobmanager", "taskmanager-0", "sql-gateway"].map((r) => `starrocks-cdc-dev-${r}`),
  );
});
