/**
 * `cdc verify` through the real pipeline: the MariaDB source, the project's CDC jobs on a real Flink 1.20
 * cluster, the StarRocks stand-in as the sink; a writer keeps inserting, updating and deleting in every
 * table throughout. Faults are made behind the pipeline's back, in the stand-in's store, on sample rows
 * the writer never touches (its keys start at 1,000,000), so each one must be reported and nothing else.
 */
import { SELECTABLE_TABLES, findTable } from "../../catalog/tables";
import { runCli, runInProcess } from "../cli/run-cli";
import { describeReal, realTier } from "./harness";
import { Jobs, Sink, Source, SourceWriter, cancelJobs, deployJobs, describeDiffs, flinkEndpoints, pipelineConfig, startSink, startSource, waitForConvergence } from "./pipeline";

interface Sample { kind: string; key: Record<string, string>; columns?: Array<{ column: string; source: string | null; sink: string | null }> }
interface TableResult { table: string; equal: boolean; rowsCompared: number; onlyInSource: number; onlyInSink: number; different: number; samples: Sample[]; recheck: { rechecked: number; converged: number } }

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describeReal("cdc verify against the real pipeline, under a running writer", () => {
  let sink: Sink;
  let source: Source;
  let jobs: Jobs;
  let writer: SourceWriter;
  let env: Record<string, string>;

  beforeAll(async () => {
    const tier = await realTier();
    [sink, source] = await Promise.all([startSink(), startSource({ tables: SELECTABLE_TABLES, sampleRows: 20 })]);
    const cfg = pipelineConfig({ stack: "verify", tables: SELECTABLE_TABLES, source, sink });
    jobs = await deployJobs(cfg, source, sink, flinkEndpoints(tier));
    const snapshot = await waitForConvergence([...SELECTABLE_TABLES], source, sink.query, 120_000);
    expect(describeDiffs(snapshot)).toBe("");
    env = { CDC_SOURCE_URL: source.url, CDC_SINK_URL: sink.mysqlUrl };
    writer = new SourceWriter(source, SELECTABLE_TABLES.map(findTable), 25);
    writer.start();
    // Let the writer's changes flow for a while, so rows are in flight when verify reads.
    await until("writer activity in the sink", async () => ((await sink.query<{ n: string }>("SELECT COUNT(*) AS n FROM orders WHERE order_id >= 1000000"))[0].n !== "0" ? true : undefined));
  }, 300_000);

  afterAll(async () => {
    await writer?.stop();
    if (jobs) await cancelJobs(jobs.client, jobs.specs.map((s) => s.pipelineName));
    await Promise.all([source?.close(), sink?.stop()]);
  }, 120_000);

  test("a consistent pipeline under a running writer verifies equal (the binary, exit 0)", async () => {
    const before = writer.stats.inserts + writer.stats.updates + writer.stats.deletes;
    const r = await runCli(["verify", "--json"], env);
    expect(r.stderr).toBe("");
    const d = JSON.parse(r.stdout) as { equal: boolean; tables: TableResult[]; measuredLagMs: number | null };
    expect(d.tables.filter((t) => !t.equal).map((t) => ({ table: t.table, samples: t.samples }))).toEqual([]);
    expect(r.code).toBe(0);
    expect(d.tables.map((t) => t.table)).toEqual([...SELECTABLE_TABLES]);
    for (const t of d.tables) expect(t.rowsCompared).toBeGreaterThan(20);
    // The writer really was busy while verify read.
    expect(writer.stats.inserts + writer.stats.updates + writer.stats.deletes).toBeGreaterThan(before);
  }, 240_000);

  test("faults made behind the pipeline's back are each found and named by key and column, and nothing else is", async () => {
    // A 4-byte character goes through the real pipeline intact first ...
    await source.query("UPDATE customers SET name = 'Ada 😀 Lovelace' WHERE customer_id = 7");
    await until("the 4-byte character in the sink", async () => ((await sink.query<{ name: string }>("SELECT name FROM customers WHERE customer_id = 7"))[0]?.name === "Ada 😀 Lovelace" ? true : undefined));
    // ... then the faults, in the stand-in's store.
    await sink.query("UPDATE customers SET name = 'Ada ? Lovelace' WHERE customer_id = 7");
    await sink.query("DELETE FROM orders WHERE order_id = 3");
    await sink.query("UPDATE customers SET city = 'Nowhere' WHERE customer_id = 4");
    await sink.query("INSERT INTO products SELECT 777777, name, category, price, stock, updated_at FROM products WHERE product_id = 1");
    await sink.query("UPDATE order_items SET created_at = created_at - INTERVAL 1 MICROSECOND WHERE item_id = 6");
    const createdAt = (await source.query<{ v: string }>("SELECT created_at AS v FROM order_items WHERE item_id = 6"))[0].v;
    const city = (await source.query<{ v: string | null }>("SELECT city AS v FROM customers WHERE customer_id = 4"))[0].v;

    const r = await runInProcess(["verify", "--json"], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    const d = JSON.parse(r.stdout) as { equal: boolean; tables: TableResult[] };
    const byTable = Object.fromEntries(d.tables.map((t) => [t.table, t]));
    expect(d.equal).toBe(false);
    expect(byTable.orders).toMatchObject({ onlyInSource: 1, onlyInSink: 0, different: 0, samples: [{ kind: "onlySource", key: { order_id: "3" } }] });
    expect(byTable.products).toMatchObject({ onlyInSource: 0, onlyInSink: 1, different: 0, samples: [{ kind: "onlySink", key: { product_id: "777777" } }] });
    expect(byTable.order_items).toMatchObject({ onlyInSource: 0, onlyInSink: 0, different: 1 });
    expect(byTable.order_items.samples).toEqual([{ kind: "different", key: { item_id: "6" }, columns: [{ column: "created_at", source: createdAt, sink: expect.stringMatching(/\.\d{3}999$/) }] }]);
    expect(byTable.customers).toMatchObject({ onlyInSource: 0, onlyInSink: 0, different: 2 });
    expect(byTable.customers.samples).toEqual([
      { kind: "different", key: { customer_id: "4" }, columns: [{ column: "city", source: city, sink: "Nowhere" }] },
      { kind: "different", key: { customer_id: "7" }, columns: [{ column: "name", source: "Ada 😀 Lovelace", sink: "Ada ? Lovelace" }] },
    ]);
    expect(byTable.inventory_movements).toMatchObject({ equal: true, onlyInSource: 0, onlyInSink: 0, different: 0 });
    // The writer's rows in flight were re-checked and caught up; the faults were re-checked too and stood.
    const rechecked = d.tables.reduce((a, t) => a + t.recheck.rechecked, 0);
    expect(rechecked).toBeGreaterThanOrEqual(5);

    const human = await runInProcess(["verify", "--table", "customers"], env);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain(`different       customer_id=7: name: source "Ada 😀 Lovelace", sink "Ada ? Lovelace"`);
  }, 300_000);
});
