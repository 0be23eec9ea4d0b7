/**
 * The StarRocks STAND-IN (tests/standins/starrocks.ts) behaves as StarRocks does for what the project
 * and the StarRocks Flink connector 1.2.10 use: Stream Load and Transaction Stream Load over HTTP with
 * labels, auth and redirects; the MySQL side (JDBC set-up, the connector's queries, the providers'
 * DDL, ordinary SQL over the stored rows); fault injection. The Java tests run the real JDBC drivers
 * and the real connector jar against it.
 */
import { findTable } from "../../catalog/tables";
import { LIST_TABLES_SQL } from "../../cli/sql";
import { databaseProvider } from "../../providers/database";
import { loaderUserProvider } from "../../providers/loaderUser";
import { tableProvider } from "../../providers/table";
import { PROVIDER_VERSION } from "../../providers/version";
import { mariadbAvailable } from "../helpers/mariadb";
import { runInProcess } from "../cli/run-cli";
import { create, update } from "../providers/harness";
import { javaAvailable, mavenAvailable, mavenClasspath, mavenJar, runJavaProgram } from "./java/jars";
import { startStarRocksStandIn, StarRocksStandIn } from "./starrocks";
import { loadRequest, LoadReply } from "./streamLoadClient";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mysql = require("mysql2/promise");

const ROOT_PW = "root-secret";
let sr: StarRocksStandIn;

beforeAll(async () => {
  sr = await startStarRocksStandIn({ preset: "ready", rootPassword: ROOT_PW, schemaChangeDelayMs: 100 });
}, 60_000);
afterAll(async () => sr?.stop());

async function sql<T = any>(stmt: string, opts: { user?: string; password?: string; database?: string } = {}): Promise<T> {
  const c = await mysql.createConnection({
    host: sr.host, port: sr.queryPort, user: opts.user ?? "root", password: opts.password ?? ROOT_PW, database: opts.database,
    supportBigNumbers: true, bigNumberStrings: true,
  });
  try {
    return (await c.query(stmt))[0];
  } finally {
    await c.end();
  }
}

/** A Primary Key table (id BIGINT, name VARCHAR(20), amount DECIMAL(10,2)) in a fresh database. */
async function table(db: string, name = "t"): Promise<void> {
  await sql(`CREATE DATABASE IF NOT EXISTS ${db}`);
  await sql(`CREATE TABLE ${db}.${name} (id BIGINT NOT NULL, name VARCHAR(20) NULL, amount DECIMAL(10,2) NULL) PRIMARY KEY (id) DISTRIBUTED BY HASH(id)`);
}

/** The rows as the store holds them, read directly from the backing MariaDB. */
async function stored(db: string, name = "t"): Promise<string[]> {
  const s = sr.store.server;
  const c = await mysql.createConnection({ host: s.host, port: s.port, user: s.user, password: s.password, supportBigNumbers: true, bigNumberStrings: true });
  try {
    const [rows] = await c.query(`SELECT id, name, amount FROM \`${db}\`.\`${name}\` ORDER BY id`);
    return rows.map((r: any) => `${r.id}|${r.name ?? "NULL"}|${r.amount ?? "NULL"}`);
  } finally {
    await c.end();
  }
}

const fe = (path: string) => `http://127.0.0.1:${sr.httpPort}${path}`;

function streamLoad(db: string, tbl: string, body: string, headers: Record<string, string>, who = { user: "root", password: ROOT_PW }): Promise<LoadReply> {
  return loadRequest({ method: "PUT", url: fe(`/api/${db}/${tbl}/_stream_load`), ...who, headers, body });
}

function txn(op: string, headers: Record<string, string>, body?: string, who = { user: "root", password: ROOT_PW }): Promise<LoadReply> {
  return loadRequest({ method: op === "load" ? "PUT" : "POST", url: fe(`/api/transaction/${op}`), ...who, headers, body });
}

async function loadState(db: string, label: string): Promise<string> {
  const r = await loadRequest({ method: "GET", url: fe(`/api/${db}/get_load_state?label=${label}`), user: "root", password: ROOT_PW });
  return r.json!.state;
}

const describeIf = mariadbAvailable() ? describe : describe.skip;

describeIf("Stream Load", () => {
  test("CSV rows with __op upsert and delete by key, after a 307 from the FE port to the CN port", async () => {
    await table("sl1");
    const r = await streamLoad("sl1", "t", "1\ta\t1.50\t0\n2\tb\t\\N\t0\n3\tc\t3.00\t0\n2\t\\N\t\\N\t1\n1\taa\t1.75\t0\n", {
      label: "sl1-a", columns: "`id`,`name`,`amount`,`__op`",
    });
    expect(r.hops).toEqual([fe("/api/sl1/t/_stream_load"), `http://127.0.0.1:${sr.cnHttpPort}/api/sl1/t/_stream_load`]);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ Status: "Success", Message: "OK", Label: "sl1-a", NumberTotalRows: 5, NumberLoadedRows: 5, NumberFilteredRows: 0 });
    expect(await stored("sl1")).toEqual(["1|aa|1.75", "3|c|3.00"]);
    expect(sr.loads().find((l) => l.label === "sl1-a")).toMatchObject({ db: "sl1", table: "t", api: "stream_load", state: "VISIBLE", loadedRows: 5 });
  });

  test("a reused label is refused with Label Already Exists / FINISHED and nothing is applied again", async () => {
    await table("sl2");
    expect((await streamLoad("sl2", "t", "1\ta\t1.00\n", { label: "sl2-a" })).json!.Status).toBe("Success");
    const again = await streamLoad("sl2", "t", "1\tchanged\t9.00\n7\tnew\t7.00\n", { label: "sl2-a" });
    expect(again.json).toMatchObject({ Status: "Label Already Exists", ExistingJobStatus: "FINISHED", Message: "Label [sl2-a] has already been used." });
    expect(await stored("sl2")).toEqual(["1|a|1.00"]);
  });

  test("a bad row fails the whole load (too many filtered rows, error log at ErrorURL) and frees the label", async () => {
    await table("sl3");
    const bad = await streamLoad("sl3", "t", "1\ta\t1.00\n2\tonly-two-fields\n", { label: "sl3-a" });
    expect(bad.json).toMatchObject({ Status: "Fail", Message: "too many filtered rows", NumberFilteredRows: 1 });
    const log = await loadRequest({ method: "GET", url: bad.json!.ErrorURL, user: "root", password: ROOT_PW });
    expect(log.text).toMatch(/Value count does not match column count\. Expect 3, but got 2/);
    expect(await stored("sl3")).toEqual([]);
    expect(await loadState("sl3", "sl3-a")).toBe("ABORTED");
    // StarRocks lets a label of an aborted load be used again.
    expect((await streamLoad("sl3", "t", "1\ta\t1.00\n", { label: "sl3-a" })).json!.Status).toBe("Success");
  });

  test("a value the column cannot hold fails the load with the reason in the error log", async () => {
    await table("sl6");
    const r = await streamLoad("sl6", "t", "1\ta\t1.00\nnot-a-number\tb\t2.00\n", { label: "sl6-a" });
    expect(r.json).toMatchObject({ Status: "Fail", Message: "too many filtered rows" });
    expect((await loadRequest({ method: "GET", url: r.json!.ErrorURL, user: "root", password: ROOT_PW })).text).toMatch(/NULL value in non-nullable column 'id' \(Value is not a valid BIGINT\. column=id, value=not-a-number\)/);
    expect(await stored("sl6")).toEqual([]);
  });

  test("JSON with strip_outer_array keeps BIGINT keys exact and reads __op by name", async () => {
    await table("sl4");
    const body = '[{"id": 9000000000000000123, "name": "x", "amount": 1.5}, {"id": 5, "name": "y", "amount": null}, {"id": 5, "__op": 1}]';
    const r = await streamLoad("sl4", "t", body, { label: "sl4-a", format: "json", strip_outer_array: "true" });
    expect(r.json!.Status).toBe("Success");
    expect(await stored("sl4")).toEqual(["9000000000000000123|x|1.50"]);
  });

  test("the FE refuses a load without Expect: 100-continue, as LoadAction does", async () => {
    await table("sl5");
    const r = await loadRequest({ method: "PUT", url: fe("/api/sl5/t/_stream_load"), user: "root", password: ROOT_PW, headers: { label: "sl5-a" }, body: "1\ta\t1\n", expectContinue: false });
    expect(r.json).toMatchObject({ Status: "FAILED", Message: expect.stringMatching(/There is no 100-continue header/) });
    expect(await stored("sl5")).toEqual([]);
  });
});

describeIf("Transaction Stream Load", () => {
  const h = (label: string, db: string, extra: Record<string, string> = {}) => ({ label, db, table: "t", ...extra });

  test("begin, two loads, prepare, commit: rows appear at commit; get_load_state follows PREPARE, PREPARED, VISIBLE", async () => {
    await table("tx1");
    const begin = await txn("begin", h("tx1-a", "tx1", { timeout: "600" }));
    expect(begin.hops[1]).toBe(`http://127.0.0.1:${sr.cnHttpPort}/api/transaction/begin`);
    expect(begin.json).toMatchObject({ Status: "OK", Label: "tx1-a", TxnId: expect.any(Number) });
    expect(await loadState("tx1", "tx1-a")).toBe("PREPARE");

    const json = { format: "json", strip_outer_array: "true", ignore_json_size: "true" };
    expect((await txn("load", h("tx1-a", "tx1", json), '[{"id":1,"name":"a","amount":1,"__op":0},{"id":2,"name":"b","amount":2,"__op":0}]')).json)
      .toMatchObject({ Status: "OK", Label: "tx1-a" });
    expect((await txn("load", h("tx1-a", "tx1", json), '[{"id":2,"__op":1},{"id":3,"name":"c","amount":3,"__op":0}]')).json!.Status).toBe("OK");
    expect(await stored("tx1")).toEqual([]);

    const prepared = await txn("prepare", h("tx1-a", "tx1"));
    expect(prepared.json).toMatchObject({ Status: "OK", NumberTotalRows: 4, NumberLoadedRows: 4 });
    expect(await loadState("tx1", "tx1-a")).toBe("PREPARED");
    // Once prepared, the BE no longer holds the transaction: a second prepare is TXN_NOT_EXISTS.
    expect((await txn("prepare", h("tx1-a", "tx1"))).json!.Status).toBe("TXN_NOT_EXISTS");
    expect(await stored("tx1")).toEqual([]);

    const commit = await txn("commit", h("tx1-a", "tx1"));
    expect(commit.hops).toHaveLength(1); // the FE commits a PREPARED transaction itself
    expect(commit.json).toMatchObject({ Status: "OK", Label: "tx1-a" });
    expect(await loadState("tx1", "tx1-a")).toBe("VISIBLE");
    expect(await stored("tx1")).toEqual(["1|a|1.00", "3|c|3.00"]);
    expect((await txn("commit", h("tx1-a", "tx1"))).json).toMatchObject({ Status: "OK", Message: expect.stringMatching(/already committed/) });

    const reuse = await txn("begin", h("tx1-a", "tx1"));
    expect(reuse.json).toMatchObject({ Status: "LABEL_ALREADY_EXISTS", ExistingJobStatus: "FINISHED", Message: "Label [tx1-a] has already been used." });
  });

  test("CSV chunks end with the row delimiter; commit straight from PREPARE prepares and commits in one step", async () => {
    await table("tx2");
    await txn("begin", h("tx2-a", "tx2"));
    const cols = { columns: "`id`,`name`,`amount`,`__op`" };
    await txn("load", h("tx2-a", "tx2", cols), "1\ta\t1.00\t0\n");
    await txn("load", h("tx2-a", "tx2", cols), "2\tb\t2.00\t0\n1\t\\N\t\\N\t1\n");
    const commit = await txn("commit", h("tx2-a", "tx2"));
    expect(commit.hops).toHaveLength(2);
    expect(commit.json).toMatchObject({ Status: "OK", NumberLoadedRows: 3 });
    expect(await stored("tx2")).toEqual(["2|b|2.00"]);
  });

  test("rollback aborts: nothing is applied, the state is ABORTED and the label can be used again", async () => {
    await table("tx3");
    await txn("begin", h("tx3-a", "tx3"));
    await txn("load", h("tx3-a", "tx3"), "1\ta\t1.00\n");
    expect((await txn("rollback", h("tx3-a", "tx3"))).json).toMatchObject({ Status: "OK" });
    expect(await loadState("tx3", "tx3-a")).toBe("ABORTED");
    expect(await stored("tx3")).toEqual([]);
    expect((await txn("begin", h("tx3-a", "tx3"))).json!.Status).toBe("OK");
    expect(await loadState("tx3", "never-used")).toBe("UNKNOWN");
  });

  test("a transaction left open past its timeout is aborted", async () => {
    await table("tx4");
    await txn("begin", h("tx4-a", "tx4", { timeout: "1" }));
    await txn("load", h("tx4-a", "tx4"), "1\ta\t1.00\n");
    await new Promise((r) => setTimeout(r, 2000));
    expect(await loadState("tx4", "tx4-a")).toBe("ABORTED");
    expect((await txn("commit", h("tx4-a", "tx4"))).json!.Status).toBe("FAILED");
    expect(await stored("tx4")).toEqual([]);
  });

  test("the feature probe (begin without db or label) is not the 'Not implemented' answer, so the connector uses transactions", async () => {
    const r = await loadRequest({ method: "POST", url: fe("/api/transaction/begin"), user: "root", password: ROOT_PW });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ Status: "FAILED", Message: "class com.starrocks.common.StarRocksException: No database selected." });
    expect(r.json).not.toHaveProperty("status");
  });
});

describeIf("without redirects", () => {
  let direct: StarRocksStandIn;
  beforeAll(async () => {
    direct = await startStarRocksStandIn({ preset: "ready", redirect: false });
  }, 60_000);
  afterAll(async () => direct?.stop());

  test("the FE port answers plain and transaction loads itself (as one BE would)", async () => {
    const c = await mysql.createConnection({ host: direct.host, port: direct.queryPort, user: "root", password: "" });
    await c.query("CREATE DATABASE d");
    await c.query("CREATE TABLE d.t (id BIGINT NOT NULL, name VARCHAR(20) NULL, amount DECIMAL(10,2) NULL) PRIMARY KEY (id) DISTRIBUTED BY HASH(id)");
    const who = { user: "root", password: "" };
    const url = (p: string) => `http://127.0.0.1:${direct.httpPort}${p}`;
    const plain = await loadRequest({ method: "PUT", url: url("/api/d/t/_stream_load"), ...who, headers: { label: "a" }, body: "1\ta\t1.00\n" });
    expect(plain.hops).toHaveLength(1);
    expect(plain.json!.Status).toBe("Success");
    const h = { label: "b", db: "d", table: "t" };
    for (const [op, body] of [["begin"], ["load", "2\tb\t2.00\n"], ["prepare"], ["commit"]] as const) {
      const r = await loadRequest({ method: op === "load" ? "PUT" : "POST", url: url(`/api/transaction/${op}`), ...who, headers: h, body });
      expect([op, r.hops.length, r.json!.Status]).toEqual([op, 1, "OK"]);
    }
    expect((await c.query("SELECT id FROM d.t ORDER BY id"))[0]).toEqual([{ id: 1 }, { id: 2 }]);
    await c.end();
  });
});

describeIf("auth", () => {
  test("a wrong password is 401 with a Basic challenge; a user without INSERT is refused on both APIs", async () => {
    await table("au1");
    const wrong = await streamLoad("au1", "t", "1\ta\t1\n", { label: "au1-a" }, { user: "root", password: "nope" });
    expect(wrong.status).toBe(401);
    expect(wrong.headers["www-authenticate"]).toBe('Basic realm=""');
    expect((await txn("begin", { label: "au1-b", db: "au1", table: "t" }, undefined, { user: "nobody", password: "x" })).status).toBe(401);

    await sql("CREATE USER 'reader'@'%' IDENTIFIED BY 'reader-pw'");
    await sql("GRANT SELECT ON ALL TABLES IN DATABASE au1 TO USER 'reader'@'%'");
    const reader = { user: "reader", password: "reader-pw" };
    const plain = await streamLoad("au1", "t", "1\ta\t1\n", { label: "au1-c" }, reader);
    expect(plain.status).toBe(401);
    expect(plain.json!.msg).toMatch(/Access denied; you need \(at least one of\) the INSERT privilege/);
    const begin = await txn("begin", { label: "au1-d", db: "au1", table: "t" }, undefined, reader);
    expect(begin.json).toMatchObject({ Status: "NOT_AUTHORIZED" });
    expect(await stored("au1")).toEqual([]);

    await sql("GRANT INSERT ON ALL TABLES IN DATABASE au1 TO USER 'reader'@'%'");
    expect((await streamLoad("au1", "t", "1\ta\t1\n", { label: "au1-e" }, reader)).json!.Status).toBe("Success");
  });
});

describeIf("MySQL protocol", () => {
  test("the connector's information_schema.COLUMNS query: one row per column, ORDINAL_POSITION as BIGINT, PRI on keys", async () => {
    await table("my1");
    const c = await mysql.createConnection({ host: sr.host, port: sr.queryPort, user: "root", password: ROOT_PW });
    try {
      const [rows, fields] = await c.query(
        "select `COLUMN_NAME`, `ORDINAL_POSITION`, `COLUMN_KEY`, `DATA_TYPE`, `COLUMN_SIZE`, `DECIMAL_DIGITS` from `information_schema`.`COLUMNS` where `TABLE_SCHEMA`='my1' and `TABLE_NAME`='t';");
      expect(fields.map((f: any) => [f.name, f.columnType])).toEqual([
        ["COLUMN_NAME", 253], ["ORDINAL_POSITION", 8], ["COLUMN_KEY", 253], ["DATA_TYPE", 253], ["COLUMN_SIZE", 8], ["DECIMAL_DIGITS", 8],
      ]);
      expect(rows).toEqual([
        { COLUMN_NAME: "id", ORDINAL_POSITION: 1, COLUMN_KEY: "PRI", DATA_TYPE: "bigint", COLUMN_SIZE: 19, DECIMAL_DIGITS: 0 },
        { COLUMN_NAME: "name", ORDINAL_POSITION: 2, COLUMN_KEY: "", DATA_TYPE: "varchar", COLUMN_SIZE: 20, DECIMAL_DIGITS: null },
        { COLUMN_NAME: "amount", ORDINAL_POSITION: 3, COLUMN_KEY: "", DATA_TYPE: "decimal", COLUMN_SIZE: 10, DECIMAL_DIGITS: 2 },
      ]);
      const [none] = await c.query("select `COLUMN_NAME` from `information_schema`.`COLUMNS` where `TABLE_SCHEMA`='my1' and `TABLE_NAME`='missing';");
      expect(none).toEqual([]);
      expect((await c.query("select current_version() as ver;"))[0]).toEqual([{ ver: "3.5.12-standin" }]);
    } finally {
      await c.end();
    }
  });

  test("ordinary SQL reads and writes the stored rows: SELECT, COUNT(*), the CLI's table list; INSERT upserts; grants apply", async () => {
    await table("my2");
    await streamLoad("my2", "t", "1\ta\t1.00\n2\tb\t2.00\n", { label: "my2-a" });
    expect(await sql("SELECT COUNT(*) AS n, MAX(id) AS m FROM t", { database: "my2" })).toEqual([{ n: "2", m: "2" }]);
    expect(await sql(LIST_TABLES_SQL, { database: "my2" })).toEqual([{ name: "t" }]);
    expect(await sql("SHOW TABLES", { database: "my2" })).toEqual([{ Tables_in_my2: "t" }]);
    // INSERT into a Primary Key table replaces the row with the same key.
    await sql("INSERT INTO my2.t (id, name, amount) VALUES (1, 'again', 5.00)");
    expect(await stored("my2")).toEqual(["1|again|5.00", "2|b|2.00"]);
    await sql("DELETE FROM t WHERE id = 2", { database: "my2" });
    expect(await stored("my2")).toEqual(["1|again|5.00"]);

    await sql("CREATE USER 'ro'@'%' IDENTIFIED BY 'ro-pw'");
    await sql("GRANT SELECT ON ALL TABLES IN DATABASE my2 TO USER 'ro'@'%'");
    expect(await sql("SELECT name FROM t", { user: "ro", password: "ro-pw", database: "my2" })).toEqual([{ name: "again" }]);
    await expect(sql("DELETE FROM t WHERE id = 1", { user: "ro", password: "ro-pw", database: "my2" })).rejects.toThrow(/DELETE privilege/);
    await expect(sql("SELECT * FROM t", { user: "ro", password: "wrong", database: "my2" })).rejects.toThrow(/Access denied for user 'ro'/);
  });

  test("the providers' DDL path: Database, Table (ADD/DROP COLUMN reach the store), LoaderUser whose user then loads", async () => {
    const conn = { host: sr.host, port: sr.queryPort, user: "root", password: ROOT_PW, timeoutMs: 5000, providerVersion: PROVIDER_VERSION };
    await create(databaseProvider, { ...conn, database: "shop" });
    const orders = findTable("orders");
    const inputs = (def = orders) => ({ ...conn, database: "shop", definition: def, allowDestructiveChanges: false });
    const { id, outs } = await create(tableProvider, inputs());
    const columnsInStore = async () => {
      const st = sr.store.server;
      const c = await mysql.createConnection({ host: st.host, port: st.port, user: st.user, password: st.password });
      try {
        const [rows] = await c.query("SELECT COLUMN_NAME AS c, COLUMN_KEY AS k FROM information_schema.columns WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME = 'orders' ORDER BY ORDINAL_POSITION");
        return rows.map((r: any) => r.c + (r.k === "PRI" ? "*" : ""));
      } finally {
        await c.end();
      }
    };
    const expected = (def: typeof orders) => def.columns.map((c) => c.name + (def.key.includes(c.name) ? "*" : ""));
    expect(await columnsInStore()).toEqual(expected(orders));

    const wider = { ...orders, columns: [...orders.columns.filter((c) => c.name !== "updated_at"), { name: "channel", type: { kind: "varchar" as const, length: 16 }, nullable: true }] };
    await update(tableProvider, id, outs, inputs(wider));
    // Schema changes are asynchronous in StarRocks (and in the FE fake): the store follows when they apply.
    for (let i = 0; i < 50 && (await columnsInStore()).join() !== expected(wider).join(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await columnsInStore()).toEqual(expected(wider));

    await create(loaderUserProvider, { ...conn, loaderUser: "flink_loader", loaderPassword: "loader-pw", database: "shop" });
    const r = await streamLoad("shop", "orders", '[{"order_id": 1, "customer_id": 7, "status": "NEW", "total_amount": 12.5, "order_date": "2025-01-02 03:04:05.678", "channel": "web"}]',
      { label: "shop-1", format: "json", strip_outer_array: "true" }, { user: "flink_loader", password: "loader-pw" });
    expect(r.json!.Status).toBe("Success");
    expect(await sql("SELECT order_id, status, total_amount, order_date, channel FROM shop.orders", { user: "flink_loader", password: "loader-pw" }))
      .toEqual([{ order_id: "1", status: "NEW", total_amount: "12.50", order_date: expect.any(Date), channel: "web" }]);

    // The operator CLI reads the sink with ordinary SQL: `cdc counts` against a source with one more row.
    const st = sr.store.server;
    const src = await mysql.createConnection({ host: st.host, port: st.port, user: st.user, password: st.password });
    try {
      await src.query("CREATE DATABASE src_shop");
      await src.query("CREATE TABLE src_shop.orders LIKE shop.orders");
      await src.query("INSERT INTO src_shop.orders SELECT * FROM shop.orders");
      await src.query("INSERT INTO src_shop.orders (order_id, customer_id, status, total_amount, order_date) VALUES (9000000000000000001, 1, 'cdc-tool', 1, NOW())");
    } finally {
      await src.end();
    }
    const counts = await runInProcess(["counts", "--json"], {
      CDC_SOURCE_URL: `mysql://root@127.0.0.1:${st.port}/src_shop`,
      CDC_SINK_URL: `mysql://flink_loader:loader-pw@127.0.0.1:${sr.queryPort}/shop`,
    });
    expect(counts.stderr).toBe("");
    expect(counts.code).toBe(0);
    expect(JSON.parse(counts.stdout).tables).toEqual([expect.objectContaining({ table: "orders", source: 2, sink: 1, difference: 1 })]);
  });
});

describeIf("fault injection", () => {
  test("error: loads fail StarRocks-style for the window, then work again", async () => {
    await table("ft1");
    sr.failLoadsFor(1000, "error");
    const plain = await streamLoad("ft1", "t", "1\ta\t1\n", { label: "ft1-a" });
    expect(plain.json).toMatchObject({ Status: "Fail", Label: "ft1-a", Message: expect.stringMatching(/injected/) });
    expect((await txn("begin", { label: "ft1-b", db: "ft1", table: "t" })).json).toMatchObject({ Status: "INTERNAL_ERROR" });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await streamLoad("ft1", "t", "1\ta\t1\n", { label: "ft1-a" })).json!.Status).toBe("Success");
  });

  test("hang: no answer at all during the window; the connection drops when it ends", async () => {
    await table("ft2");
    sr.failLoadsFor(1500, "hang");
    const started = Date.now();
    await expect(streamLoad("ft2", "t", "1\ta\t1\n", { label: "ft2-a" })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1300);
    expect((await streamLoad("ft2", "t", "1\ta\t1\n", { label: "ft2-a" })).json!.Status).toBe("Success");
  });
});

// The real JDBC drivers and the real connector jar (Java 17 + Maven Central).
const java = javaAvailable();
const describeJava = java && mariadbAvailable() ? describe : process.env.CI ? describe : describe.skip;
if (!java && !process.env.CI) test.skip("real JDBC drivers and connector jar (skipped: no `java` on PATH)", () => undefined);

describeJava("real Java clients", () => {
  test.each([
    ["com.mysql:mysql-connector-j:8.0.33", "MySQL Connector/J mysql-connector-j-8.0.33"],
    ["mysql:mysql-connector-java:5.1.49", "MySQL Connector Java mysql-connector-java-5.1.49"],
  ])("%s connects and runs the connector's two queries", async (coordinates, driver) => {
    await table("jd1").catch(() => undefined);
    const jar = await mavenJar(coordinates);
    const r = await runJavaProgram("JdbcProbe.java", [jar], [`jdbc:mysql://${sr.host}:${sr.queryPort}/jd1?useSSL=false`, "root", ROOT_PW, "jd1", "t"]);
    expect(r.stderr + r.stdout).not.toMatch(/Exception/);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`driver ${driver}`);
    expect(r.stdout).toContain("column id position=1 key=PRI type=bigint size=19 digits=0 positionClass=Long");
    expect(r.stdout).toContain("column amount position=3 key= type=decimal size=10 digits=2 positionClass=Long");
    expect(r.stdout).toContain("version 3.5.12-standin");
  }, 180_000);

  const connectorClasspath = async () => [
    await mavenJar("com.starrocks:flink-connector-starrocks:1.2.10_flink-1.19"),
    ...(await mavenClasspath("org.apache.flink:flink-table-common:1.20.3")),
  ];
  const describeConnector = mavenAvailable() || process.env.CI ? describe : describe.skip;

  describeConnector("flink-connector-starrocks 1.2.10", () => {
    const runConnector = async (db: string, semantic: string, format: string, prefix: string, rows: string[]) =>
      runJavaProgram("ConnectorProbe.java", await connectorClasspath(), [
        `jdbc:mysql://${sr.host}:${sr.queryPort}`, `${sr.host}:${sr.httpPort}`, "root", ROOT_PW, db, "t", semantic, format, prefix, ...rows,
      ]);

    test.each([
      ["at-least-once", "csv"],
      ["exactly-once", "json"],
    ])("%s, %s: probe, table check over JDBC, TransactionStreamLoader loads upserts and deletes", async (semantic, format) => {
      const db = `cp_${format}`;
      await table(db);
      await streamLoad(db, "t", "9\told\t9.00\n", { label: `${db}-seed` });
      const before = sr.loads().length;
      const r = await runConnector(db, semantic, format, `lp_${db}`, ["1:a:1.50:0", "2:b:-:0", "9:-:-:1", "2:-:-:1", "3:c:3.00:0", "1:a2:1.75:0"]);
      expect(r.stderr).not.toMatch(/Exception/);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain("probe transactionSupported=true");
      expect(r.stdout).toContain("upsertDelete=true");
      expect(r.stdout).toContain("loader TransactionStreamLoader");
      expect(r.stdout).toContain("done");
      expect(await stored(db)).toEqual(["1|a2|1.75", "3|c|3.00"]);
      const txns = sr.loads().slice(before);
      // Exactly-once labels are {prefix}-{table}-{subtask}-{id}; at-least-once ones {prefix}-{uuid}.
      const label = semantic === "exactly-once" ? `lp_${db}-t-0-1` : expect.stringMatching(new RegExp(`^lp_${db}-[0-9a-f-]{36}$`));
      expect(txns).toEqual([expect.objectContaining({ api: "transaction", state: "VISIBLE", label, loadedRows: 6 })]);
    }, 300_000);

    test("exactly-once started again without state under a used label prefix fails to open; a new prefix loads", async () => {
      await table("cp_reuse");
      expect((await runConnector("cp_reuse", "exactly-once", "json", "lp_reuse", ["1:a:1.00:0"])).status).toBe(0);
      const again = await runConnector("cp_reuse", "exactly-once", "json", "lp_reuse", ["2:b:2.00:0"]);
      expect(again.status).not.toBe(0);
      expect(again.stderr).toMatch(/Try to abort a finished transactions, db: cp_reuse, table: t, label: lp_reuse-t-0-1, status: VISIBLE/);
      expect(await stored("cp_reuse")).toEqual(["1|a|1.00"]);
      expect((await runConnector("cp_reuse", "exactly-once", "json", "lp_reuse2", ["2:b:2.00:0"])).status).toBe(0);
      expect(await stored("cp_reuse")).toEqual(["1|a|1.00", "2|b|2.00"]);
    }, 300_000);

    test("a failure injected with failLoadsFor fails the connector's flush (1.2.10's transaction loader does not retry)", async () => {
      await table("cp_fail");
      sr.failLoadsFor(60_000, "error");
      try {
        const r = await runConnector("cp_fail", "at-least-once", "csv", "lp_fail", ["1:a:1.00:0"]);
        expect(r.status).not.toBe(0);
        expect(r.stderr).toMatch(/Transaction start failed.*INTERNAL_ERROR.*injected failure/s);
      } finally {
        sr.failLoadsFor(0, "error");
      }
      expect(await stored("cp_fail")).toEqual([]);
    }, 300_000);

    test("hang: a begin that gets no answer fails the flush when the connection drops (POST is not retried)", async () => {
      await table("cp_hang");
      let started = 0;
      const r = await runJavaProgram("ConnectorProbe.java", await connectorClasspath(), [
        `jdbc:mysql://${sr.host}:${sr.queryPort}`, `${sr.host}:${sr.httpPort}`, "root", ROOT_PW, "cp_hang", "t", "at-least-once", "json", "lp_hang", "1:a:1.00:0",
      ], {
        env: { PROBE_WAIT_STDIN: "1" },
        onStdout: (out, write) => {
          if (!started && out.includes("loader ")) {
            started = Date.now();
            sr.failLoadsFor(3000, "hang");
            write("go");
          }
        },
      });
      expect(started).toBeGreaterThan(0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/NoHttpResponseException|failed to respond/);
      expect(await stored("cp_hang")).toEqual([]);
      expect(sr.loads().some((l) => l.db === "cp_hang")).toBe(false);
    }, 300_000);
  });
});
