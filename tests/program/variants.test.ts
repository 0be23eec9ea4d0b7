/** The graph for other configurations: more compute nodes, an external source, retained data, two stacks. */
import { plain, runProgram } from "./harness";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";

test("cnCount 3 declares three compute nodes, each with its own cache volume and alias", async () => {
  const run = await runProgram({ cnCount: 3 });
  const cns = run.byType(CONTAINER).filter((c) => c.name.startsWith("starrocks-cn-"));
  expect(cns.map((c) => c.inputs.networksAdvanced[0].aliases[0]).sort()).toEqual(["starrocks-cn-0", "starrocks-cn-1", "starrocks-cn-2"]);
  const cacheVolumes = run.byType(VOLUME).map((v) => v.inputs.name).filter((n) => n.includes("cache")).sort();
  expect(cacheVolumes).toEqual(["starrocks-cdc-dev-cn-0-cache", "starrocks-cdc-dev-cn-1-cache", "starrocks-cdc-dev-cn-2-cache"]);
  for (const cn of cns) expect(cn.inputs.volumes[0].volumeName).toMatch(/cn-\d-cache/);
});

test("external source mode runs no MySQL and takes the CDC password from secret config", async () => {
  const run = await runProgram(
    { sourceMode: "external", sourceHost: "db.internal", sourcePort: 3307, sourcePassword: "from-config" },
    "dev",
    ["sourcePassword"],
  );
  expect(run.byType(CONTAINER).map((c) => c.name)).not.toContain("mysql");
  expect(run.byType(VOLUME).map((v) => v.name)).not.toContain("mysql-data");
  const pw = run.byType("random:index/randomPassword:RandomPassword").map((r) => r.name);
  expect(pw).not.toContain("secrets-mysql-root-password");
  expect(pw).not.toContain("secrets-cdc-password");
  expect(run.outputs.sourceUrl).toBe("mysql://flink_cdc:from-config@db.internal:3307/shop");
  expect(run.secretOutputs).toContain("sourceUrl");
  expect((run.outputs.endpoints as any).mysql).toBe("db.internal:3307");
});

test("retainData keeps the MySQL, MinIO and FE meta volumes and what lives in them on destroy, but not CN caches", async () => {
  const run = await runProgram({ retainData: true, cnCount: 2 });
  const retained = run.byType(VOLUME).filter((v) => run.options.get(`${VOLUME}::${v.name}`)!.retainOnDelete).map((v) => v.name).sort();
  expect(retained).toEqual(["fe-meta", "minio-data", "mysql-data"]);
  const dyn = "pulumi-nodejs:dynamic/";
  const kept = run.resources.filter((r) => r.type.startsWith(dyn) && run.options.get(`${r.type}::${r.name}`)!.retainOnDelete).map((r) => r.name).sort();
  expect(kept).toEqual(["bucket", "cdc-user", "loader-user", "sink-database", ...["cdc_heartbeat", "customers", "inventory_movements", "order_items", "orders", "products"].map((t) => `sink-table-${t}`), "source-schema"].sort());
  expect(run.one(`${dyn}minio:Bucket`, "bucket").inputs.forceDestroy).toBe(false);
});

test("without retainData, destroy empties and removes the bucket (its volume goes anyway)", async () => {
  const run = await runProgram({});
  expect(run.one("pulumi-nodejs:dynamic/minio:Bucket", "bucket").inputs.forceDestroy).toBe(true);
});

test("a credential set as secret config replaces the generated one", async () => {
  const run = await runProgram({ starrocksRootPassword: "kept-from-before", mysqlRootPassword: "old-root" }, "dev", ["starrocksRootPassword", "mysqlRootPassword"]);
  const generated = run.byType("random:index/randomPassword:RandomPassword").map((r) => r.name);
  expect(generated).not.toContain("secrets-starrocks-root-password");
  expect(generated).toContain("secrets-loader-password");
  expect(run.outputs.starrocksRootPassword).toBe("kept-from-before");
  expect(run.secretOutputs).toContain("starrocksRootPassword");
  expect(run.outputs.sourceUrl).toBe("mysql://root:old-root@127.0.0.1:3306/shop");
});

test("two stacks on one host share no container, volume or network name and no host port", async () => {
  const dev = await runProgram({}, "dev");
  const staging = await runProgram({ portOffset: 100 }, "staging");
  const names = (run: typeof dev) => [
    ...run.byType(CONTAINER).map((c) => c.inputs.name),
    ...run.byType(VOLUME).map((v) => v.inputs.name),
    ...run.byType("docker:index/network:Network").map((n) => n.inputs.name),
  ];
  const ports = (run: typeof dev) => run.byType(CONTAINER).flatMap((c) => (c.inputs.ports ?? []).map((p: any) => p.external));
  const devNames = new Set(names(dev));
  for (const n of names(staging)) expect(devNames.has(n)).toBe(false);
  const devPorts = new Set(ports(dev));
  expect(ports(staging).length).toBe(devPorts.size);
  for (const p of ports(staging)) expect(devPorts.has(p)).toBe(false);
  expect((staging.outputs.endpoints as any).starrocksQuery).toBe("127.0.0.1:9130");
});

test("hostAddress moves every published port to the chosen interface", async () => {
  const run = await runProgram({ hostAddress: "0.0.0.0" });
  for (const p of run.byType(CONTAINER).flatMap((c) => c.inputs.ports ?? [])) expect(p.ip).toBe("0.0.0.0");
});

test("a bad value fails before any resource is declared, naming the key, value and what is allowed", async () => {
  await expect(runProgram({ cnCount: 0 })).rejects.toThrow(/cnCount: 0 is out of range; allowed 1\.\.16/);
});

test("TaskManagers advertise their alias and get the rendered options", async () => {
  const run = await runProgram({ taskManagers: 2 });
  const tm1 = plain(run.one(CONTAINER, "taskmanager-1").inputs.envs).find((e: string) => e.startsWith("FLINK_PROPERTIES="));
  expect(tm1).toContain("taskmanager.host: taskmanager-1");
  expect(tm1).toContain("execution.checkpointing.interval: 10s");
});
