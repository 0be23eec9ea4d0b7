/**
 * End to end through a real asynchronous pipeline: MariaDB primary (source) replicating to a MariaDB
 * replica (sink), both speaking the MySQL protocol like MySQL and StarRocks do.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TOOL_KEY_MIN } from "../../cli/sql";
import { Replication, startReplication } from "../helpers/replication";
import { runCli, runInProcess } from "./run-cli";

const USER_TABLES = ["orders", "customers", "products", "order_items", "inventory_movements"];
let rep: Replication;
let env: Record<string, string>;

beforeAll(async () => {
  rep = await startReplication({ sampleRows: 5 });
  env = { CDC_SOURCE_URL: rep.sourceUrl, CDC_SINK_URL: rep.sinkUrl };
});
afterAll(async () => {
  await rep?.stop();
});

interface Stats { count: number; min: number; p50: number; p95: number; p99: number; max: number }

function expectOrdered(s: Stats) {
  expect(s.min).toBeGreaterThanOrEqual(0);
  expect(s.min).toBeLessThanOrEqual(s.p50);
  expect(s.p50).toBeLessThanOrEqual(s.p95);
  expect(s.p95).toBeLessThanOrEqual(s.p99);
  expect(s.p99).toBeLessThanOrEqual(s.max);
}

async function toolRows(where: "primary" | "replica", table: string): Promise<number> {
  const sql = `SELECT COUNT(*) AS n FROM shop.${table} WHERE ${table === "cdc_heartbeat" ? "probe_id" : (await keyOf(table))} >= ${TOOL_KEY_MIN}`;
  const rows = where === "primary" ? await rep.primaryQuery<{ n: string }>(sql) : await rep.replicaQuery<{ n: string }>(sql);
  return Number(rows[0].n);
}

async function keyOf(table: string): Promise<string> {
  return { orders: "order_id", customers: "customer_id", products: "product_id", order_items: "item_id", inventory_movements: "movement_id" }[table] as string;
}

test("latency single (spawned): one orders row, positive bounded latency, JSON parses", async () => {
  const before = await toolRows("primary", "orders");
  const r = await runCli(["latency", "single", "--json"], env);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const d = JSON.parse(r.stdout);
  expect(d).toMatchObject({ mode: "single", rows: 1, visible: 1, notVisible: 0 });
  expect(d.tables.map((t: { table: string }) => t.table)).toEqual(["orders"]);
  expect(d.latencyMs.count).toBe(1);
  expect(d.latencyMs.max).toBeGreaterThan(0);
  expect(d.latencyMs.max).toBeLessThan(30_000);
  expect(await toolRows("primary", "orders")).toBe(before + 1);
});

test("latency multi: one row per replicated table; human output lists each", async () => {
  const r = await runInProcess(["latency", "multi"], env);
  expect(r.code).toBe(0);
  for (const t of USER_TABLES) expect(r.stdout).toMatch(new RegExp(`^${t}\\s+1\\s+`, "m"));
  expect(r.stdout).toMatch(/latency over 5 rows: p50 [\d.]+ ms/);
});

test("latency batch --rows 250: one INSERT, every row counted", async () => {
  const r = await runInProcess(["latency", "batch", "--rows", "250", "--json"], env);
  expect(r.code).toBe(0);
  const d = JSON.parse(r.stdout);
  expect(d).toMatchObject({ mode: "batch", rows: 250, visible: 250, notVisible: 0 });
  expect(d.latencyMs.count).toBe(250);
  // one transaction: all rows become visible together
  expect(d.latencyMs.min).toBe(d.latencyMs.max);
});

test("latency with replication stopped: rows never visible -> exit 1, then visible again", async () => {
  await rep.stopReplication();
  try {
    const r = await runInProcess(["latency", "single", "--timeout", "1"], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("1 row(s) not visible in the sink after 1 s");
  } finally {
    await rep.startReplication();
  }
  await rep.catchUp();
});

test("a sink database without the tables: exit 2, the message names the sink", async () => {
  const r = await runInProcess(["latency", "single", "--tables", "orders"], { CDC_SOURCE_URL: rep.sourceUrl, CDC_SINK_URL: rep.sinkUrl.replace(/\/shop$/, "/mysql") });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/^cdc: sink root@127\.0\.0\.1:\d+\/mysql: Table 'mysql\.orders' doesn't exist\n$/);
});

test("load N: N rows per table, progress as plain lines off a TTY, counts converge", async () => {
  const before = await Promise.all(USER_TABLES.map((t) => toolRows("primary", t)));
  const r = await runCli(["load", "40", "-w", "2"], env);
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/\[#+\] 100% 200\/200 rows/);
  expect(r.stderr).not.toContain("\r");
  expect(r.stdout).toMatch(/wrote 200 rows in [\d.]+ s/);
  const after = await Promise.all(USER_TABLES.map((t) => toolRows("primary", t)));
  expect(after.map((n, i) => n - before[i])).toEqual([40, 40, 40, 40, 40]);
  await rep.catchUp();
  const c = await runInProcess(["counts", "--json"], env);
  expect(c.code).toBe(0);
  const counts = JSON.parse(c.stdout);
  expect(counts.tables.map((t: { table: string }) => t.table)).toEqual(USER_TABLES);
  for (const t of counts.tables) {
    expect(t.difference).toBe(0);
    expect(t.source).toBe(t.sink);
    expect(t.source).toBe(5 + t.toolRows); // the 5 sample rows plus ours
  }
});

test("counts shows a difference while the sink lags", async () => {
  await rep.stopReplication();
  try {
    await rep.primarySql(`INSERT INTO shop.orders (order_id, customer_id, status, total_amount, order_date, updated_at) VALUES (1001, 1, 'new', 1.00, NOW(3), NOW(3))`);
    const r = await runInProcess(["counts", "--json"], env);
    const orders = JSON.parse(r.stdout).tables.find((t: { table: string }) => t.table === "orders");
    expect(orders.difference).toBe(1);
  } finally {
    await rep.startReplication();
  }
  await rep.catchUp();
});

test("bench burst: count equals rows inserted, percentiles ordered, HTML report self-contained", async () => {
  const before = await Promise.all(USER_TABLES.map((t) => toolRows("primary", t)));
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cdc-report-")), "bench.html");
  const r = await runInProcess(["bench", "burst", "-n", "120", "-w", "3", "--json", "--report", report], env);
  expect(r.code).toBe(0);
  const d = JSON.parse(r.stdout);
  const after = await Promise.all(USER_TABLES.map((t) => toolRows("primary", t)));
  const inserted = after.reduce((a, n, i) => a + n - before[i], 0);
  expect(inserted).toBe(600);
  expect(d.rows).toBe(600);
  expect(d.latencyMs.count).toBe(600);
  expect(d.visible).toBe(600);
  expect(d.notVisible).toBe(0);
  expectOrdered(d.latencyMs);
  for (const t of d.tables) {
    expect(t.rows).toBe(120);
    expect(t.latencyMs.count).toBe(120);
    expectOrdered(t.latencyMs);
    expect(t.latencyMs.max).toBeLessThanOrEqual(d.latencyMs.max);
  }
  expect(d.rowsPerSec).toBeGreaterThan(0);
  expect(d.catchUpSeconds).toBeGreaterThan(0);
  const html = fs.readFileSync(report, "utf8");
  expect(html).toMatch(/^<!doctype html>/);
  expect((html.match(/<svg /g) ?? []).length).toBe(2);
  expect(html).toContain("<circle");
  expect(html).toContain("<polyline");
  expect(html).not.toMatch(/\b(src|href)=/);
  expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
});

test("bench parallel with --batch: multi-row inserts, rows/s and latency per table and overall", async () => {
  const r = await runInProcess(["bench", "parallel", "-d", "1.5", "-w", "2", "--batch", "20", "--json"], env);
  expect(r.code).toBe(0);
  const d = JSON.parse(r.stdout);
  expect(d).toMatchObject({ scenario: "parallel", workers: 2, batch: 20, notVisible: 0 });
  expect(d.rows % 20).toBe(0);
  expect(d.latencyMs.count).toBe(d.rows);
  expect(d.tables.reduce((a: number, t: { rows: number }) => a + t.rows, 0)).toBe(d.rows);
  expect(d.insertSeconds).toBeGreaterThanOrEqual(1.5);
  expectOrdered(d.latencyMs);
});

test("bench per-table: one table after another, human table with overall row", async () => {
  const r = await runInProcess(["bench", "per-table", "-n", "30", "--tables", "orders,customers"], env);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^bench per-table: 30 rows per table, 1 worker\(s\), single-row inserts$/m);
  expect(r.stdout).toMatch(/^orders\s+30\s+/m);
  expect(r.stdout).toMatch(/^customers\s+30\s+/m);
  expect(r.stdout).toMatch(/^overall\s+60\s+/m);
  expect(r.stdout).not.toMatch(/^products/m);
});

test("cleanup deletes exactly the tool rows in the source; the delete replicates; sample rows stay", async () => {
  const userRows = async (where: "primary" | "replica") =>
    Promise.all(USER_TABLES.map(async (t) => {
      const sql = `SELECT COUNT(*) AS n FROM shop.${t} WHERE ${await keyOf(t)} < ${TOOL_KEY_MIN}`;
      const rows = where === "primary" ? await rep.primaryQuery<{ n: string }>(sql) : await rep.replicaQuery<{ n: string }>(sql);
      return Number(rows[0].n);
    }));
  const userBefore = await userRows("primary");
  const toolBefore = (await Promise.all(USER_TABLES.map((t) => toolRows("primary", t)))).reduce((a, b) => a + b, 0);
  expect(toolBefore).toBeGreaterThan(0);
  const r = await runCli(["cleanup", "--json"], { CDC_SOURCE_URL: rep.sourceUrl });
  expect(r.code).toBe(0);
  const d = JSON.parse(r.stdout);
  expect(d.deleted).toBe(toolBefore);
  expect(await userRows("primary")).toEqual(userBefore);
  for (const t of USER_TABLES) expect(await toolRows("primary", t)).toBe(0);
  await rep.catchUp();
  for (const t of USER_TABLES) expect(await toolRows("replica", t)).toBe(0);
  expect(await userRows("replica")).toEqual(userBefore);
  // keys keep increasing after cleanup: a new run still measures correctly
  const again = await runInProcess(["latency", "single", "--json"], env);
  expect(again.code).toBe(0);
  expect(JSON.parse(again.stdout).visible).toBe(1);
});
