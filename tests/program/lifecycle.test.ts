/**
 * How the graph behaves when things are replaced or stopped, under Pulumi mocks: container stop grace
 * periods and health-check replacement, StarRocks console logs, FORCE drops, and the CDC job tied to its
 * sink table so a re-created table stops its job first.
 */
import { ProgramRun, runProgram } from "./harness";

const CONTAINER = "docker:index/container:Container";
const TABLE = "pulumi-nodejs:dynamic/starrocks:Table";
const DATABASE = "pulumi-nodejs:dynamic/starrocks:Database";
const CDC_JOB = "pulumi-nodejs:dynamic/flink:CdcJob";

let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram({});
});

const container = (role: string) => run.byType(CONTAINER).find((c) => c.name === role)!;

test("every container stops with a grace period before it is killed; FE, CN and MySQL get a minute", () => {
  const grace = Object.fromEntries(run.byType(CONTAINER).map((c) => [c.name, [c.inputs.destroyGraceSeconds, c.inputs.stopTimeout]]));
  for (const [role, [destroyGrace, stopTimeout]] of Object.entries(grace)) {
    expect([role, destroyGrace]).toEqual([role, expect.any(Number)]);
    expect([role, stopTimeout]).toEqual([role, destroyGrace]);
    expect([role, destroyGrace >= 30]).toEqual([role, true]);
  }
  expect(grace["starrocks-fe"][0]).toBe(60);
  expect(grace["starrocks-cn-0"][0]).toBe(60);
  expect(grace["mysql"][0]).toBe(60);
  expect(grace["minio"][0]).toBe(30);
  expect(grace["jobmanager"][0]).toBe(30);
});

test("a changed health check replaces the container (the Docker provider would keep the old one)", () => {
  for (const c of run.byType(CONTAINER)) {
    expect([c.name, run.options.get(`${CONTAINER}::${c.name}`)!.replaceOnChanges]).toEqual([c.name, ["healthcheck"]]);
  }
});

test("FE and CNs log to the console, so `docker logs` shows why a health wait timed out", () => {
  expect(container("starrocks-fe").inputs.command).toContain("--logconsole");
  expect(container("starrocks-cn-0").inputs.command).toContain("--logconsole");
});

test("each CDC job takes its sink table's id, so replacing the table replaces (first stops) the job", () => {
  const jobs = run.byType(CDC_JOB);
  expect(jobs.length).toBeGreaterThan(0);
  for (const job of jobs) {
    const table = run.byType(TABLE).find((t) => t.name === `sink-table-${job.inputs.table}`)!;
    expect(job.inputs.sinkTable).toBe(`${table.name}-id`);
    const deps = run.options.get(`${CDC_JOB}::${job.name}`)!.propertyDependencies.sinkTable;
    expect(deps).toHaveLength(1);
    expect(deps[0]).toMatch(new RegExp(`::sink-table-${job.inputs.table}$`));
  }
});

test("a sink table takes its database name from the Database resource, so a rename replaces tables and jobs first", () => {
  for (const t of run.byType(TABLE)) {
    expect(t.inputs.database).toBe("shop");
    const deps = run.options.get(`${TABLE}::${t.name}`)!.propertyDependencies.database;
    expect(deps).toHaveLength(1);
    expect(deps[0]).toMatch(/::sink-database$/);
  }
});

test("without retainData the sink database and tables are dropped with FORCE; with it they are kept", async () => {
  for (const t of [...run.byType(TABLE), ...run.byType(DATABASE)]) expect([t.name, t.inputs.forceDrop]).toEqual([t.name, true]);
  const retained = await runProgram({ retainData: true });
  for (const t of [...retained.byType(TABLE), ...retained.byType(DATABASE)]) {
    expect([t.name, t.inputs.forceDrop]).toEqual([t.name, false]);
    expect(retained.options.get(`${t.type}::${t.name}`)!.retainOnDelete).toBe(true);
  }
});
