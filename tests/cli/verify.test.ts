/**
 * `cdc verify` as a command, without a pipeline: a MariaDB source with the catalog's sample rows, and the
 * StarRocks stand-in (tests/standins, MySQL protocol relaying to a MariaDB store) holding a copy of them.
 * Faults are written straight into the stand-in's store. The real-Flink proofs are tests/real/verify.test.ts.
 */
import * as mysql from "mysql2/promise";
import { SELECTABLE_TABLES, findTable } from "../../catalog/tables";
import { quoteIdent } from "../../render/sql";
import { Sink, Source, startSink, startSource } from "../real/pipeline";
import { main } from "../../cli/main";
import { Interrupt } from "../../cli/context";
import { cleanEnv, runInProcess } from "./run-cli";

let source: Source;
let sink: Sink;
let env: Record<string, string>;

/** Copies every row of the catalog tables from the source into the stand-in's store, as a pipeline would. */
async function copyAll(): Promise<void> {
  for (const name of SELECTABLE_TABLES) {
    const rows = await source.query<Record<string, unknown>>(`SELECT * FROM ${quoteIdent(name)}`);
    await sink.query(`DELETE FROM ${quoteIdent(name)}`);
    if (rows.length) {
      const cols = findTable(name).columns.map((c) => c.name);
      await sink.query(mysql.format(`INSERT INTO ?? (??) VALUES ?`, [name, cols, rows.map((r) => cols.map((c) => r[c] as string | null))]));
    }
  }
}

beforeAll(async () => {
  [source, sink] = await Promise.all([startSource({ tables: SELECTABLE_TABLES, sampleRows: 30 }), startSink()]);
  env = { CDC_SOURCE_URL: source.url, CDC_SINK_URL: sink.mysqlUrl };
}, 120_000);

afterAll(async () => {
  await Promise.all([source?.close(), sink?.stop()]);
});

beforeEach(copyAll);

test("equal copies: exit 0, every row compared, batches smaller than the tables", async () => {
  const r = await runInProcess(["verify", "--json", "--batch", "7"], env);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const d = JSON.parse(r.stdout);
  expect(d.equal).toBe(true);
  expect(d.tables.map((t: { table: string }) => t.table)).toEqual([...SELECTABLE_TABLES]);
  for (const t of d.tables) {
    const [{ n }] = await source.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${quoteIdent(t.table)}`);
    expect({ table: t.table, compared: t.rowsCompared, sourceRows: t.sourceRows, sinkRows: t.sinkRows, samples: t.samples }).toEqual({ table: t.table, compared: Number(n), sourceRows: Number(n), sinkRows: Number(n), samples: [] });
  }
  const human = await runInProcess(["verify", "--table", "orders", "--table", "customers"], env);
  expect(human.code).toBe(0);
  expect(human.stdout).toMatch(/^equal: 2 table\(s\), 60 rows, every value as mapped, in /m);
});

test("faults in the stand-in: each named by key and column, exit 1; --sample-limit caps the list, not the counts", async () => {
  await sink.query("DELETE FROM orders WHERE order_id = 3");
  await sink.query("UPDATE orders SET status = 'tampered' WHERE order_id = 5");
  await sink.query("UPDATE orders SET order_date = order_date - INTERVAL 1 MICROSECOND WHERE order_id = 7");
  await sink.query("INSERT INTO orders SELECT order_id + 1000, customer_id, status, total_amount, order_date, updated_at FROM orders WHERE order_id = 1");
  await source.query("UPDATE customers SET name = 'Zoë 😀' WHERE customer_id = 2");
  await sink.query("UPDATE customers SET name = 'Zoë ?' WHERE customer_id = 2");
  const r = await runInProcess(["verify", "--json", "--settle", "1", "--table", "orders,customers"], env);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(1);
  const d = JSON.parse(r.stdout);
  expect(d.equal).toBe(false);
  const orders = d.tables.find((t: { table: string }) => t.table === "orders");
  expect(orders).toMatchObject({ equal: false, onlyInSource: 1, onlyInSink: 1, different: 2 });
  const src7 = (await source.query<{ d: string }>("SELECT order_date AS d FROM orders WHERE order_id = 7"))[0].d;
  expect(orders.samples).toEqual([
    { kind: "onlySource", key: { order_id: "3" } },
    { kind: "different", key: { order_id: "5" }, columns: [{ column: "status", source: expect.any(String), sink: "tampered" }] },
    { kind: "different", key: { order_id: "7" }, columns: [{ column: "order_date", source: src7, sink: expect.stringMatching(/\.\d{3}999$/) }] },
    { kind: "onlySink", key: { order_id: "1001" } },
  ]);
  const customers = d.tables.find((t: { table: string }) => t.table === "customers");
  expect(customers.samples).toEqual([{ kind: "different", key: { customer_id: "2" }, columns: [{ column: "name", source: "Zoë 😀", sink: "Zoë ?" }] }]);

  const limited = await runInProcess(["verify", "--settle", "1", "--table", "orders", "--sample-limit", "2"], env);
  expect(limited.code).toBe(1);
  expect(limited.stdout).toContain("orders: 4 row(s) differ (first 2 shown)");
  expect(limited.stdout).toMatch(/^ {2}only in source {2}order_id=3$/m);
  expect(limited.stdout).toMatch(/^ {2}different {7}order_id=5: status: source "[^"]+", sink "tampered"$/m);
  expect(limited.stdout).not.toContain("order_id=7");
  expect(limited.stdout).toMatch(/^DIFFERENT: 1 of 1 table\(s\) differ/m);
});

test("usage and errors: unknown table exit 2; an unreachable sink exit 3, password never shown", async () => {
  const bad = await runInProcess(["verify", "--table", "nope"], env);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/^cdc: --table nope: not a replicated table here/);
  const down = await runInProcess(["verify"], { ...env, CDC_SINK_URL: "mysql://u:Very-Secret-9@127.0.0.1:1/shop" });
  expect(down.code).toBe(3);
  expect(down.stderr).not.toContain("Very-Secret-9");
});

test("on a terminal a progress line is redrawn on stderr; Ctrl+C ends with exit 130 and a partial summary", async () => {
  let out = "";
  let err = "";
  const code = await main(["verify", "--table", "orders", "--batch", "10"], {
    out: { write: (s) => void (out += s), isTTY: true },
    err: { write: (s) => void (err += s), isTTY: true },
    env: cleanEnv(env),
  });
  expect(code).toBe(0);
  expect(err).toMatch(/^\r\x1b\[2Kverify orders: [\d,]+ rows read, [\d,]+ rows\/s/);
  expect(err.endsWith("\n")).toBe(true);
  expect(out).toMatch(/^equal: 1 table\(s\), 30 rows/m);

  const interrupt = new Interrupt();
  interrupt.trigger();
  const r = await runInProcess(["verify", "--json"], env, interrupt);
  expect(r.code).toBe(130);
  expect(JSON.parse(r.stdout)).toMatchObject({ interrupted: true, equal: false });
});
