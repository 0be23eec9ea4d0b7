/** The dynamic resources the program declares, their order of reconciliation and their secrets. */
import { resolveConfig } from "../../config";
import { plannedResources } from "../../render/manifest";
import { ProgramRun, isSecretValue, runProgram } from "./harness";

const DYNAMIC = "pulumi-nodejs:dynamic/";
const dynamicOf = (run: ProgramRun) =>
  run.resources.filter((r) => r.type.startsWith(DYNAMIC)).map((r) => ({ type: r.type.slice(DYNAMIC.length), name: r.name }));
const sortByName = <T extends { name: string }>(xs: T[]) => [...xs].sort((a, b) => a.name.localeCompare(b.name));

let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram({ cnCount: 2 });
});

const urnOf = (type: string, name: string) => `${DYNAMIC}${type}::${name}`;
const dependsOn = (type: string, name: string) => run.options.get(urnOf(type, name))!.dependsOn.join("\n");

test("declares exactly the dynamic resources listed in manifest.json", () => {
  const expected = plannedResources(resolveConfig({ cnCount: 2 }, { stack: "dev" }));
  expect(sortByName(dynamicOf(run))).toEqual(sortByName(expected));
});

test("external mode declares no schema or user on the source, only the preflight", async () => {
  const ext = await runProgram({ sourceMode: "external", sourceHost: "db", sourcePassword: "pw" }, "dev", ["sourcePassword"]);
  const names = dynamicOf(ext).map((r) => r.name);
  expect(names).not.toContain("source-schema");
  expect(names).not.toContain("cdc-user");
  expect(names).toContain("source-preflight");
  const expected = plannedResources(resolveConfig({ sourceMode: "external", sourceHost: "db", sourcePassword: "pw" }, { stack: "dev" }));
  expect(sortByName(dynamicOf(ext))).toEqual(sortByName(expected));
});

test("the root password is set before any other StarRocks resource connects with it", () => {
  for (const name of ["starrocks-cn-0-registration", "starrocks-cn-1-registration"]) expect(dependsOn("starrocks:ComputeNode", name)).toContain("root-password");
  expect(dependsOn("starrocks:StorageVolume", "storage-volume")).toContain("root-password");
  expect(dependsOn("starrocks:RootPassword", "root-password")).toContain("starrocks-fe");
});

test("each compute node registers after its own container is healthy", () => {
  expect(dependsOn("starrocks:ComputeNode", "starrocks-cn-1-registration")).toContain("::starrocks-cn-1");
  const inputs = run.resources.find((r) => r.name === "starrocks-cn-1-registration")!.inputs;
  expect(inputs.nodeHost).toBe("starrocks-cn-1");
  expect(inputs.heartbeatPort).toBe(9050);
  expect(inputs.host).toBe("127.0.0.1");
  expect(inputs.port).toBe(9030);
});

test("the storage volume waits for the bucket; tables for the database; the loader user for the tables", () => {
  expect(dependsOn("starrocks:StorageVolume", "storage-volume")).toContain("bucket");
  expect(dependsOn("starrocks:Database", "sink-database")).toContain("storage-volume");
  expect(dependsOn("starrocks:Table", "sink-table-orders")).toContain("sink-database");
  expect(dependsOn("starrocks:LoaderUser", "loader-user")).toContain("sink-table-orders");
});

test("CDC jobs start only after the preflight, the tables, the users and the Flink containers", () => {
  const deps = dependsOn("flink:CdcJob", "cdc-job-orders");
  for (const needed of ["source-preflight", "loader-user", "sink-table-orders", "sql-gateway", "taskmanager-0"]) expect(deps).toContain(needed);
  expect(dependsOn("mysql:SourcePreflight", "source-preflight")).toContain("cdc-user");
});

test("the preflight checks the CDC user's own grants, connecting as that user", () => {
  const inputs = run.resources.find((r) => r.name === "source-preflight")!.inputs;
  expect(inputs.user).toBe("flink_cdc");
  expect(inputs.cdcUser).toBeUndefined();
  expect(inputs.timeZone).toBe("UTC");
});

test("every password and key a dynamic resource receives is a secret", () => {
  const secretKeys = ["password", "loaderPassword", "cdcPassword", "accessKey", "secretKey", "s3AccessKey", "s3SecretKey"];
  let checked = 0;
  for (const r of run.resources.filter((x) => x.type.startsWith(DYNAMIC))) {
    for (const key of secretKeys) {
      if (key in r.inputs) {
        expect([r.name, key, isSecretValue(r.inputs[key])]).toEqual([r.name, key, true]);
        checked++;
      }
    }
    expect(run.options.get(`${r.type}::${r.name}`)!.additionalSecretOutputs.length).toBeGreaterThan(0);
  }
  expect(checked).toBeGreaterThan(15);
});

test("each job gets its table's pipeline name and server-id range", () => {
  const jobs = run.resources.filter((r) => r.type === `${DYNAMIC}flink:CdcJob`);
  expect(jobs.map((j) => j.inputs.pipelineName).sort()).toEqual(
    ["cdc_heartbeat", "customers", "inventory_movements", "order_items", "orders", "products"].map((t) => `starrocks-cdc-dev-cdc-${t}`),
  );
  expect(jobs.find((j) => j.inputs.table === "orders")!.inputs.serverIdRange).toEqual({ start: 5400, end: 5400 });
  expect(jobs[0].inputs.gatewayUrl).toBe("http://127.0.0.1:8083");
  expect(jobs[0].inputs.upgradeMode).toBe("savepoint");
});
