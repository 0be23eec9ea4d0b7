/**
 * The user's verbs on the real Pulumi engine, one suite for every target (tests/engine/target.ts): the real
 * tier here (tests/real/engine.test.ts) and a Docker host (tests/e2e/pipeline.test.ts). Every operation
 * is `pulumi up | preview | refresh | destroy` run by the CLI against an inline program that evaluates
 * index.ts afresh (scripts/engine.ts); assertions read the engine's own output: its change summary, its
 * step events, its preview text, the stored state files, and what the stack's outputs lead to.
 */
import * as path from "path";
import { OperationResult, ROOT, engineEnv, pulumiCli, runOperation, setConfig, configureStack } from "../../scripts/engine";
import {
  EngineTarget, StartedTarget, cancelJob, driftNames, eventually, expectOk, filesContaining, flinkJobs, nonZero, orderIds, run, runningJob, sleep, stepNames,
} from "./target";

const STACK = "verbs";
const CONSUMER = "verbs-consumer";
const PIPELINE = (stack: string, table: string) => `starrocks-cdc-${stack}-cdc-${table}`;

export function describeVerbs(target: EngineTarget): void {
  const skip = target.skipReason();
  const suite = `the user's verbs on the real Pulumi engine: ${target.title}`;
  if (skip) {
    describe.skip(`${suite} (skipped: ${skip})`, () => test("skipped", () => undefined));
    return;
  }

  describe(suite, () => {
    let t: StartedTarget;
    let sinkUrl = "";
    let database = "shop";
    const op = (o: "up" | "preview" | "refresh" | "destroy", stack = STACK, opts: Parameters<typeof runOperation>[3] = {}) => runOperation(t.ctx, o, stack, opts);
    const sourceIds = async () => (await t.sourceSql<{ k: string }>("SELECT CAST(order_id AS CHAR) AS k FROM shop.orders")).map((r) => String(r.k)).sort();
    let nextId = 1000;
    const insertOrders = async (n: number) => {
      const ids = Array.from({ length: n }, () => nextId++);
      await t.sourceSql(`INSERT INTO shop.orders (order_id, customer_id, status, total_amount, order_date, updated_at) VALUES ${ids.map((id) => `(${id}, 7, 'new', 12.50, NOW(), NOW())`).join(", ")}`);
      return ids;
    };
    /** The sink (read with the stack's sinkUrl, as `cdc` reads it) holds exactly the source's orders, key by key. */
    const converged = async (what: string, timeoutMs = 180_000) => {
      let last = "";
      await eventually(what, async () => {
        const [want, got] = await Promise.all([sourceIds(), orderIds(sinkUrl)]);
        last = `source ${want.length} rows, sink ${got.length}; missing ${want.filter((k) => !got.includes(k)).slice(0, 5)}`;
        return JSON.stringify(want) === JSON.stringify(got) ? got : undefined;
      }, timeoutMs).catch((err) => {
        throw new Error(`${(err as Error).message}: ${last}`);
      });
    };
    const outputsOf = (stack: string) => JSON.parse(pulumiCli(t.ctx, ["stack", "output", "--json", "--show-secrets", "--stack", stack]));
    /** `cdc <args> --stack <stack>` through the real CLI: scripts/pulumi.sh reads the stack's outputs. */
    const cdc = (args: string[], stack = STACK, writes = false) => {
      const env: NodeJS.ProcessEnv = { ...engineEnv(t.ctx), CDC_PULUMI: "" };
      for (const k of ["CDC_SOURCE_URL", "CDC_SINK_URL", "CDC_FLINK_URL"]) delete env[k];
      // A command that writes probe rows needs a source user that may INSERT (README: external sources).
      if (writes && t.writerSourceUrl) env.CDC_SOURCE_URL = t.writerSourceUrl;
      return run(process.execPath, [path.join(ROOT, "bin/cdc.js"), ...args, "--stack", stack], { cwd: ROOT, env });
    };

    beforeAll(async () => {
      t = await target.start();
      configureStack(t.ctx, STACK, t.config(STACK), t.secretKeys);
    }, 300_000);

    afterAll(async () => {
      if (!t) return;
      // Whatever failed above: leave no job running for the next suite.
      for (const stack of [CONSUMER, STACK]) await op("destroy", stack).catch(() => undefined);
      await t.stop();
    }, 600_000);

    test("up creates everything, and the pipeline carries rows", async () => {
      const r = expectOk(await op("up"));
      expect(stepNames(r, "create", "flink:CdcJob")).toEqual(["cdc-job-cdc_heartbeat", "cdc-job-orders"]);
      expect(stepNames(r, "create", "starrocks:Table")).toEqual(["sink-table-cdc_heartbeat", "sink-table-orders"]);
      expect(stepNames(r, "create", "dynamic/starrocks:Database")).toEqual(["sink-database"]);
      expect(stepNames(r, "create", "starrocks:LoaderUser")).toEqual(["loader-user"]);
      expect(stepNames(r, "create", "mysql:SourcePreflight")).toEqual(["source-preflight"]);
      expect(nonZero(r.changes)).toEqual({ create: r.changes.create });
      sinkUrl = String(r.outputs!.sinkUrl.value);
      expect(r.outputs!.sinkUrl.secret).toBe(true);
      for (const table of ["orders", "cdc_heartbeat"]) expect((await runningJob(t.flinkRestUrl, PIPELINE(STACK, table)))?.state).toBe("RUNNING");
      await converged("the snapshot");
      await insertOrders(3);
      await converged("rows written after up");
    }, 600_000);

    test("up again shows no changes", async () => {
      const r = expectOk(await op("up"));
      expect(Object.keys(nonZero(r.changes))).toEqual(["same"]);
    }, 300_000);

    test("preview --diff after a new sinkFlushIntervalMs: one CdcJob update per job, the changed statement, no secret anywhere", async () => {
      setConfig(t.ctx, STACK, { sinkFlushIntervalMs: 2000 });
      const r = expectOk(await op("preview", STACK, { diff: true }));
      expect(stepNames(r, "update")).toEqual(["cdc-job-cdc_heartbeat", "cdc-job-orders"]);
      // Nothing else changes (the engine's own default provider may show as updated with the new config).
      expect(r.steps.filter((x) => x.phase === "pre" && x.type.includes("dynamic/") && !["same", "update"].includes(x.op))).toEqual([]);
      // The diff names the statement's option, old and new.
      expect(r.stdout).toContain("'sink.buffer-flush.interval-ms' = '1000'");
      expect(r.stdout).toContain("'sink.buffer-flush.interval-ms' = '2000'");
      expect(r.stdout).toMatch(/~ pulumi-nodejs:dynamic\/flink:CdcJob: \(update\)/);
      for (const v of t.secretValues()) expect([v.slice(0, 3), (r.stdout + r.stderr).includes(v)]).toEqual([v.slice(0, 3), false]);
      expect(filesContaining(t.backendDir, t.secretValues())).toEqual([]);

      // Applied: each job upgraded through a savepoint, rows written meanwhile arrive.
      await insertOrders(2);
      const up = expectOk(await op("up"));
      expect(stepNames(up, "update")).toEqual(["cdc-job-cdc_heartbeat", "cdc-job-orders"]);
      await insertOrders(1);
      await converged("after the savepoint upgrade");
      expect(filesContaining(t.backendDir, t.secretValues())).toEqual([]);
    }, 600_000);

    test("refresh reports a job cancelled behind the stack's back; the next up resumes it with no row lost", async () => {
      const job = await runningJob(t.flinkRestUrl, PIPELINE(STACK, "orders"));
      expect(job).toBeDefined();
      await cancelJob(t.flinkRestUrl, job!.jid);
      await eventually("job cancelled", async () => ((await flinkJobs(t.flinkRestUrl)).find((j) => j.jid === job!.jid)?.state === "CANCELED" ? true : undefined), 60_000);
      await insertOrders(3);
      // The heartbeat's job still runs, so the probe alone would say fresh; the job check names the cancelled one.
      const failing = await cdc(["monitor", "--mode", "status", "--max-latency", "30", "--json"], STACK, true);
      expect([failing.status, failing.stderr]).toEqual([1, ""]);
      expect(JSON.parse(failing.stdout)).toMatchObject({ status: "failing", jobs: [{ name: PIPELINE(STACK, "orders"), state: "CANCELED" }, { name: PIPELINE(STACK, "cdc_heartbeat"), state: "RUNNING" }] });
      const refresh = expectOk(await op("refresh"));
      expect([driftNames(refresh), refresh.changes]).toEqual([["cdc-job-orders"], { same: refresh.changes.same, update: 1 }]);
      const up = expectOk(await op("up"));
      expect(stepNames(up, "update")).toEqual(["cdc-job-orders"]);
      expect((await runningJob(t.flinkRestUrl, PIPELINE(STACK, "orders")))?.state).toBe("RUNNING");
      const fresh = await cdc(["monitor", "--mode", "status", "--max-latency", "30"], STACK, true);
      expect([fresh.status, fresh.stderr]).toEqual([0, ""]);
      expect(fresh.stdout).toMatch(/^fresh: probe visible in the sink after [\d.]+ m?s \(limit 30 s\); all 2 CDC job\(s\) RUNNING\n$/);
      await insertOrders(1);
      await converged("after the resumed job");
    }, 600_000);

    test("refresh reports the jobs' failure after the TaskManager is killed; up heals them with no row lost", async () => {
      await t.killTaskManager();
      await insertOrders(3);
      // The JobManager notices the lost TaskManager and fails the tasks over (RESTARTING, then FAILED).
      await eventually("jobs no longer running", async () => {
        const j = await runningJob(t.flinkRestUrl, PIPELINE(STACK, "orders"));
        return !j || j.state !== "RUNNING" ? true : undefined;
      }, 180_000, 2000);
      const refresh = expectOk(await op("refresh"));
      expect(driftNames(refresh, "flink:CdcJob")).toContain("cdc-job-orders");
      await t.startTaskManager();
      const up = expectOk(await op("up"));
      expect(up.ok).toBe(true);
      for (const table of ["orders", "cdc_heartbeat"]) expect((await runningJob(t.flinkRestUrl, PIPELINE(STACK, table)))?.state).toBe("RUNNING");
      await insertOrders(1);
      await converged("after the TaskManager came back");
      expect(Object.keys(nonZero(expectOk(await op("preview")).changes))).toEqual(["same"]);
    }, 900_000);

    test("a replacement (a new sinkDatabase) runs in the engine's order: jobs stop before their tables and database go, and the new tables hold every row", async () => {
      // allowDestructiveChanges first, on its own: the engine decides which dependents a deleteBeforeReplace
      // replaces by diffing them with their stored inputs (the new database name unknown), so a Table refuses
      // the new name unless its stored inputs already allow it.
      setConfig(t.ctx, STACK, { allowDestructiveChanges: true });
      expectOk(await op("up"));
      setConfig(t.ctx, STACK, { sinkDatabase: "shop_v2" });
      const r = expectOk(await op("up"));
      database = "shop_v2";
      const deletes = r.steps.filter((s) => s.phase === "pre" && (s.op === "delete-replaced" || s.op === "replace" || s.op === "create-replacement"));
      const at = (op: string, name: string) => deletes.findIndex((s) => s.op === op && s.name === name);
      for (const table of ["orders", "cdc_heartbeat"]) {
        // deleteBeforeReplace: the job goes before its table, the table before the database.
        expect(at("delete-replaced", `cdc-job-${table}`)).toBeGreaterThanOrEqual(0);
        expect(at("delete-replaced", `cdc-job-${table}`)).toBeLessThan(at("delete-replaced", `sink-table-${table}`));
        expect(at("delete-replaced", `sink-table-${table}`)).toBeLessThan(at("delete-replaced", "sink-database"));
        expect(at("create-replacement", `cdc-job-${table}`)).toBeGreaterThan(at("create-replacement", `sink-table-${table}`));
      }
      expect(await t.sinkHasDatabase("shop")).toBe(false);
      expect(await t.sinkHasDatabase("shop_v2")).toBe(true);
      sinkUrl = String(outputsOf(STACK).sinkUrl);
      expect(sinkUrl).toMatch(/\/shop_v2$/);
      // The README's promise for a re-created sink: the fresh snapshot refills it with every source row.
      await converged("the re-created sink after its fresh snapshot");
      setConfig(t.ctx, STACK, { allowDestructiveChanges: false });
    }, 900_000);

    test("a second stack reads the outputs through a StackReference, and cdc --stack through the real CLI", async () => {
      configureStack(t.ctx, CONSUMER, {});
      const r = expectOk(await op("up", CONSUMER, { reference: `organization/starrocks-cdc/${STACK}` }));
      expect(r.outputs!.sinkDatabase).toEqual({ value: database, secret: false });
      expect(r.outputs!.tables).toEqual({ value: ["orders"], secret: false });
      expect(r.outputs!.sinkUrl.secret).toBe(true);
      expect(r.outputs!.sinkUrl.value).toBe(sinkUrl);
      expect(filesContaining(t.backendDir, t.secretValues())).toEqual([]);

      // `cdc counts --stack` runs scripts/pulumi.sh, which uses the built CLI when the npm package has none.
      const counts = await cdc(["counts", "--json"]);
      expect([counts.status, counts.stderr]).toEqual([0, ""]);
      const data = JSON.parse(counts.stdout);
      const orders = data.tables.find((x: { table: string }) => x.table === "orders");
      expect(orders.source).toBe((await sourceIds()).length);
      expect(orders.sink).toBe(orders.source);
      expectOk(await op("destroy", CONSUMER));
    }, 600_000);

    test("destroy stops the jobs with savepoints, removes what the stack owns and keeps what retainData keeps", async () => {
      // retainData keeps the sink's database, tables, rows and loader user (retainOnDelete, set by this up).
      setConfig(t.ctx, STACK, { retainData: true });
      expectOk(await op("up"));
      const jobs = await Promise.all(["orders", "cdc_heartbeat"].map((x) => runningJob(t.flinkRestUrl, PIPELINE(STACK, x))));
      const rows = await orderIds(sinkUrl);
      const r = expectOk(await op("destroy"));
      expect(stepNames(r, "delete", "flink:CdcJob")).toEqual(["cdc-job-cdc_heartbeat", "cdc-job-orders"]);
      expect(r.stdout).toMatch(/savepoint/i);
      for (const j of jobs) expect((await flinkJobs(t.flinkRestUrl)).find((x) => x.jid === j!.jid)?.state).toBe("FINISHED");
      if (!t.sinkGoneWithStack) {
        expect(await t.sinkHasDatabase(database)).toBe(true);
        expect(await t.sinkHasUser(decodeURIComponent(new URL(sinkUrl).username))).toBe(true);
        expect(await orderIds(sinkUrl)).toEqual(rows);
      }
      expect(JSON.parse(pulumiCli(t.ctx, ["stack", "export", "--stack", STACK])).deployment.resources ?? []).toEqual([]);
    }, 600_000);
  });
}

export { OperationResult, sleep };
