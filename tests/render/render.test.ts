/** Renderers: snapshots of every artifact, and checks that conf files use only documented keys. */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resolveConfig } from "../../config";
import { renderAll } from "../../render/all";
import { fillSecrets, renderContainerSpecs } from "../../render/containers";

const cfg = resolveConfig({}, { stack: "dev" });
const files = renderAll(cfg);

test.each(Object.keys(files).sort())("%s matches its snapshot", (file) => {
  expect(files[file]).toMatchSnapshot();
});

const confKeys = (text: string) =>
  text.split("\n").filter((l) => l.trim() && !l.startsWith("#")).map((l) => l.split("=")[0].trim());

test("fe.conf sets shared-data mode, volume-from-SQL and only documented FE keys", () => {
  const fe = files["starrocks/fe.conf"];
  // Keys from StarRocks Config.java / the shipped fe.conf (LOG_DIR, DATE, JAVA_OPTS are start_fe.sh variables).
  const documented = ["LOG_DIR", "DATE", "JAVA_OPTS", "http_port", "rpc_port", "query_port", "edit_log_port", "run_mode",
    "cloud_native_meta_port", "cloud_native_storage_type", "enable_load_volume_from_conf", "tablet_create_timeout_second",
    "lake_ingest_slowdown_threshold", "lake_compaction_score_upper_bound"];
  for (const k of confKeys(fe)) expect(documented).toContain(k);
  expect(fe).toMatch(/^run_mode = shared_data$/m);
  expect(fe).toMatch(/^enable_load_volume_from_conf = false$/m);
  expect(fe).toContain("-Xmx2048m");
  expect(fe).not.toMatch(/aws_s3_enable_path_style_access/);
});

test("cn.conf carries the tuning knobs and only documented CN keys", () => {
  const cn = files["starrocks/cn.conf"];
  const documented = ["be_port", "be_http_port", "heartbeat_service_port", "brpc_port", "storage_root_path", "mem_limit",
    "compact_threads", "transaction_publish_version_worker_count", "l0_max_mem_usage"];
  for (const k of confKeys(cn)) expect(documented).toContain(k);
  expect(cn).toMatch(/^mem_limit = 4G$/m);
  expect(cn).toMatch(/^compact_threads = 4$/m);
});

test("extra conf lines are appended last, so they win", () => {
  const c = resolveConfig({ feExtraConf: ["max_running_txn_num_per_db = 200"], cnExtraConf: ["compact_threads = 8"] }, { stack: "dev" });
  const all = renderAll(c);
  expect(all["starrocks/fe.conf"].trim().split("\n").pop()).toBe("max_running_txn_num_per_db = 200");
  expect(all["starrocks/cn.conf"].trim().split("\n").pop()).toBe("compact_threads = 8");
});

test("Flink options: checkpoints on MinIO, retained on cancellation, gateway pointed at the JobManager", () => {
  const f = files["flink/config.yaml"];
  expect(f).toContain("execution.checkpointing.dir: s3://starrocks-cdc/flink/checkpoints\n");
  expect(f).toContain("execution.checkpointing.savepoint-dir: s3://starrocks-cdc/flink/savepoints\n");
  expect(f).toContain("execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION\n");
  expect(f).toContain("execution.checkpointing.interval: 10s\n");
  expect(f).toContain("rest.address: jobmanager\n");
  expect(f).toContain("s3.path.style.access: true\n");
  expect(f).toContain("s3.secret-key: ${MINIO_ROOT_PASSWORD}\n");
});

test("the S3 plugin jar name carries the pinned Flink version", () => {
  const specs = renderContainerSpecs(resolveConfig({ flinkImage: "flink:1.20.1-scala_2.12-java17" }, { stack: "dev" }));
  for (const role of ["jobmanager", "taskmanager-0", "sql-gateway"]) {
    const env = specs.find((s) => s.role === role)!.env;
    expect(env).toContainEqual(["ENABLE_BUILT_IN_PLUGINS", "flink-s3-fs-presto-1.20.1.jar"]);
  }
});

test("no rendered file contains a literal password", () => {
  for (const [file, text] of Object.entries(files)) {
    expect([file, /(password|secret[-_]key|access[-_]key)\s*[:=]\s*(?!\$\{)[^\s,)]+/i.test(text.replace(/"aws\.s3\.[a-z_]+" = "\$\{[A-Z_]+\}"/g, ""))]).toEqual([file, false]);
  }
  expect(files["sql/mysql/users.sql"]).toContain("IDENTIFIED BY '${CDC_PASSWORD}'");
});

test("placeholders are filled only with known secrets", () => {
  expect(fillSecrets("a=${LOADER_PASSWORD} b=${HOME}", { LOADER_PASSWORD: "x" })).toBe("a=x b=${HOME}");
  expect(() => fillSecrets("${CDC_PASSWORD}", {})).toThrow(/no value for secret placeholder CDC_PASSWORD/);
});

test("manifest lists every container with env names only, and the dynamic resources", () => {
  const m = JSON.parse(files["manifest.json"]);
  expect(m.containers).toHaveLength(7);
  const mysql = m.containers.find((c: any) => c.name === "starrocks-cdc-dev-mysql");
  expect(mysql.env).toEqual(["MYSQL_ROOT_PASSWORD"]);
  expect(mysql.ports).toEqual([{ hostIp: "127.0.0.1", hostPort: 3306, containerPort: 3306 }]);
  expect(m.resources).toContainEqual({ type: "starrocks:ComputeNode", name: "starrocks-cn-0-registration" });
});

test("`npm run render` writes the documented layout", () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "render-"));
  const root = path.resolve(__dirname, "../..");
  execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(root, "render/cli.ts"), "--stack", "dev", "--out", out], { cwd: root });
  for (const rel of ["manifest.json", "starrocks/fe.conf", "starrocks/cn.conf", "flink/config.yaml", "sql/mysql/schema.sql", "sql/mysql/users.sql", "sql/starrocks/tables.sql", "sql/starrocks/storage-volume.sql", "sql/starrocks/users.sql"]) {
    expect(fs.readFileSync(path.join(out, rel), "utf8")).toBe(files[rel]);
  }
  fs.rmSync(out, { recursive: true, force: true });
});

test("render reports a bad stack value with the key and exits 2", () => {
  const root = path.resolve(__dirname, "../..");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "render-bad-"));
  fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  fs.writeFileSync(path.join(dir, "Pulumi.bad.yaml"), "config:\n  starrocks-cdc:cnCount: 0\n");
  let status = 0;
  let stderr = "";
  try {
    execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(root, "render/cli.ts"), "--stack", "bad", "--out", dir, "--project-dir", dir], { cwd: root, stdio: "pipe" });
  } catch (e: any) {
    status = e.status;
    stderr = String(e.stderr);
  }
  expect(status).toBe(2);
  expect(stderr).toContain("cnCount: 0 is out of range");
  fs.rmSync(dir, { recursive: true, force: true });
});
