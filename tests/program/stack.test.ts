/** The resource graph of the default dev stack, under Pulumi mocks. */
import { ProgramRun, isSecretValue, plain, runProgram } from "./harness";
import { renderAll } from "../../render/all";
import { resolveConfig } from "../../config";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";

let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram({});
});

test("declares all seven kinds of containers with project-and-stack prefixed names", () => {
  const names = run.byType(CONTAINER).map((c) => c.inputs.name).sort();
  expect(names).toEqual([
    "starrocks-cdc-dev-jobmanager",
    "starrocks-cdc-dev-minio",
    "starrocks-cdc-dev-mysql",
    "starrocks-cdc-dev-sql-gateway",
    "starrocks-cdc-dev-starrocks-cn-0",
    "starrocks-cdc-dev-starrocks-fe",
    "starrocks-cdc-dev-taskmanager-0",
  ]);
  for (const v of run.byType(VOLUME)) expect(v.inputs.name).toMatch(/^starrocks-cdc-dev-/);
  expect(run.one("docker:index/network:Network", "network-net").inputs.name).toBe("starrocks-cdc-dev-net");
});

test("containers join the stack network under their stable DNS aliases", () => {
  const aliases = run.byType(CONTAINER).flatMap((c) => c.inputs.networksAdvanced[0].aliases).sort();
  expect(aliases).toEqual(["jobmanager", "minio", "mysql", "sql-gateway", "starrocks-cn-0", "starrocks-fe", "taskmanager-0"]);
  for (const c of run.byType(CONTAINER)) expect(c.inputs.networksAdvanced[0].name).toBe("starrocks-cdc-dev-net");
});

test("no port binds to 0.0.0.0 by default; every published port is on 127.0.0.1", () => {
  const ports = run.byType(CONTAINER).flatMap((c) => c.inputs.ports ?? []);
  expect(ports.length).toBeGreaterThanOrEqual(7);
  for (const p of ports) expect(p.ip).toBe("127.0.0.1");
});

test("every container has a health check and `pulumi up` waits for it", () => {
  for (const c of run.byType(CONTAINER)) {
    expect(c.inputs.healthcheck.tests.length).toBeGreaterThan(0);
    expect(c.inputs.wait).toBe(true);
    expect(c.inputs.waitTimeout).toBeGreaterThanOrEqual(60);
  }
});

test("dependants wait on the containers they need", () => {
  const deps = (name: string) => run.options.get(`${CONTAINER}::${name}`)!.dependsOn.join(" ");
  expect(deps("starrocks-cn-0")).toContain("starrocks-fe");
  expect(deps("starrocks-fe")).toContain("minio");
  expect(deps("taskmanager-0")).toContain("jobmanager");
  expect(deps("sql-gateway")).toContain("jobmanager");
  expect(deps("jobmanager")).toContain("minio");
});

test("containers are replaced delete-first (fixed names and host ports)", () => {
  for (const c of run.byType(CONTAINER)) expect(run.options.get(`${CONTAINER}::${c.name}`)!.deleteBeforeReplace).toBe(true);
});

test("images are referenced by id, never by tag (no perpetual diff)", () => {
  for (const c of run.byType(CONTAINER)) expect(c.inputs.image).toMatch(/^sha256:/);
});

test("every password is generated and every credential output is a secret", () => {
  const pw = run.byType("random:index/randomPassword:RandomPassword").map((r) => r.name).sort();
  expect(pw).toEqual([
    "secrets-cdc-password",
    "secrets-loader-password",
    "secrets-minio-root-password",
    "secrets-minio-root-user",
    "secrets-mysql-root-password",
    "secrets-starrocks-root-password",
  ]);
  for (const name of ["sourceUrl", "sinkUrl", "starrocksRootPassword", "minioRootUser", "minioRootPassword", "mysqlRootPassword"]) {
    expect(run.secretOutputs).toContain(name);
  }
  for (const name of ["endpoints", "tables", "containerNames"]) expect(run.secretOutputs).not.toContain(name);
});

test("container environments that carry a password are secret", () => {
  for (const role of ["mysql", "minio", "jobmanager", "taskmanager-0", "sql-gateway"]) {
    expect(isSecretValue(run.one(CONTAINER, role).inputs.envs)).toBe(true);
  }
  const envs: string[] = plain(run.one(CONTAINER, "mysql").inputs.envs);
  expect(envs).toContain("MYSQL_ROOT_PASSWORD=pw-secrets-mysql-root-password");
  // StarRocks containers carry no secret, so their environment stays readable in state.
  expect(isSecretValue(run.one(CONTAINER, "starrocks-fe").inputs.envs)).toBe(false);
});

test("outputs name the endpoints, replicated tables and containers", () => {
  expect(run.outputs.endpoints).toEqual({
    mysql: "127.0.0.1:3306",
    starrocksQuery: "127.0.0.1:9030",
    starrocksHttp: "http://127.0.0.1:8030",
    flinkUi: "http://127.0.0.1:8081",
    sqlGateway: "http://127.0.0.1:8083",
    minioApi: "http://127.0.0.1:9000",
    minioConsole: "http://127.0.0.1:9001",
  });
  expect(run.outputs.tables).toEqual(["orders", "customers", "products", "order_items", "inventory_movements"]);
  expect(run.outputs.sourceUrl).toBe("mysql://root:pw-secrets-mysql-root-password@127.0.0.1:3306/shop");
  expect((run.outputs.containerNames as string[]).length).toBe(7);
});

test("the files the containers receive equal what `npm run render` writes", () => {
  const files = renderAll(resolveConfig({}, { stack: "dev" }));
  const fe = run.one(CONTAINER, "starrocks-fe").inputs.uploads[0];
  const cn = run.one(CONTAINER, "starrocks-cn-0").inputs.uploads[0];
  expect(fe.file).toBe("/opt/starrocks/fe/conf/fe.conf");
  expect(fe.content).toBe(files["starrocks/fe.conf"]);
  expect(cn.content).toBe(files["starrocks/cn.conf"]);
  const manifest = JSON.parse(files["manifest.json"]);
  for (const c of run.byType(CONTAINER)) {
    const m = manifest.containers.find((x: any) => x.name === c.inputs.name);
    expect(m).toBeDefined();
    expect(plain(c.inputs.envs).map((e: string) => e.split("=")[0])).toEqual(m.env);
    expect((c.inputs.ports ?? []).map((p: any) => ({ hostIp: p.ip, hostPort: p.external, containerPort: p.internal }))).toEqual(m.ports);
    expect(c.inputs.healthcheck.tests).toEqual(m.healthcheck.test);
  }
  // Flink containers get exactly the rendered options (TaskManagers add their own host).
  const jm = plain(run.one(CONTAINER, "jobmanager").inputs.envs).find((e: string) => e.startsWith("FLINK_PROPERTIES="));
  const rendered = files["flink/config.yaml"].split("\n").filter((l) => l && !l.startsWith("#"));
  const received = jm.slice("FLINK_PROPERTIES=".length).split("\n").filter(Boolean);
  expect(received.map((l: string) => l.split(":")[0])).toEqual(rendered.map((l) => l.split(":")[0]));
});

test("data volumes are deleted with the stack unless retainData is set", () => {
  for (const v of run.byType(VOLUME)) expect(run.options.get(`${VOLUME}::${v.name}`)!.retainOnDelete).toBeFalsy();
});
