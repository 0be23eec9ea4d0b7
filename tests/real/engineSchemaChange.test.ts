/**
 * Source schema changes on the REAL Pulumi engine, for a `catalog: source` stack (all-external: real Flink,
 * a MariaDB source, the StarRocks stand-in; tests/engine/realTarget.ts): several changes made at once while a
 * writer keeps inserting and updating rows, then ONE `preview --diff`, ONE `up`, and one more `up`:
 *   - orders: a nullable column added in the middle, a VARCHAR widened;
 *   - customers: a NOT NULL column with a non-zero DEFAULT added, a column dropped;
 *   - refunds: a new table matching captureTables, with rows;
 *   - products: the captured table dropped (its StarRocks table kept: retainOnDelete unless dropRemovedTables);
 *   - cdc_heartbeat: untouched.
 * The preview's own text must show each change (the Table's `schemaChanges` lines, the jobs' new statements,
 * the create and delete steps, the retained table), the `up` must do exactly that, and afterwards every row
 * of every captured table must equal its source row, key by key and column by column (catalog/compare.ts),
 * including the new columns' real values for rows written between the source's ALTER and the `up`.
 * `cdc catalog diff --stack` runs through the real CLI before the `up` (exit 1, the changes named) and after
 * it (exit 0).
 */
import * as path from "path";
import { TableDef } from "../../catalog/definition";
import { ROOT, engineEnv, runOperation, configureStack, OperationResult } from "../../scripts/engine";
import { RealParts, SECRETS, realEngineSkipReason, startReal } from "../engine/realTarget";
import { flinkJobs, nonZero, run, runningJob, sleep, stepNames } from "../engine/target";
import { Endpoint, readRows, rowDifferences, waitForEqualRows } from "./harness/rows";

const STACK = "schema";
/** Matches the tables the source has now and `refunds`, created later. */
const CAPTURE = "orders|customers|products|refunds";
const SAMPLE_ROWS = 20;

/**
 * The `--diff` text of each dynamic resource, by name: Pulumi prints a header `<type>: (<op>)` (a retained
 * delete as `(delete[retain])`, pkg/backend/display/object_diff.go addRetainStatusFlag) followed by
 * `[urn=…::<name>]` and the changed properties.
 */
function diffBlocks(stdout: string): Map<string, { op: string; text: string }> {
  const blocks = new Map<string, { op: string; text: string }>();
  const lines = stdout.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const head = /^\s*[-+~]{1,3}\s+pulumi-nodejs:dynamic\/\S+: \(([^)]+)\)/.exec(lines[i]);
    if (!head) continue;
    let j = i + 1;
    while (j < lines.length && !/^\s*[-+~]{1,3}\s+\S+: \(/.test(lines[j]) && !/^(Resources|Diagnostics|Outputs):/.test(lines[j].trim())) j++;
    const text = lines.slice(i, j).join("\n");
    const urn = /\[urn=[^\]]*::([^\]:]+)\]/.exec(text);
    if (urn) blocks.set(urn[1], { op: head[1], text });
  }
  return blocks;
}

/** The `+ [i]: "…"` entries of the `schemaChanges` list in a resource's diff text, unquoted, wrapped lines joined. */
function schemaLines(block: string): string[] {
  const from = block.indexOf("schemaChanges");
  if (from < 0) return [];
  const lines: string[] = [];
  for (const line of block.slice(from).split("\n").slice(1)) {
    const m = /^\s*\+ \[\d+\]: (".*")$/.exec(line);
    if (!m) break;
    const text: string = JSON.parse(m[1]);
    // A wrapped line goes on, indented four more spaces (catalog/diff.ts previewLines).
    if (lines.length && /^( {4}| {6})\S/.test(text)) lines[lines.length - 1] += ` ${text.trim()}`;
    else lines.push(text);
  }
  return lines;
}

/** Inserts and updates rows in the captured tables every ~60 ms; source DDL runs between its statements. */
class Writer {
  private running = true;
  private loop: Promise<void>;
  private pending: Array<{ sql: string; done: (err?: unknown) => void }> = [];
  private next = 100_000;
  written = 0;
  lastError = "";
  /** The source's columns as the writer knows them. */
  schema = { coupon: false, tier: false, city: true, refunds: false };

  constructor(private readonly sql: (s: string) => Promise<unknown>) {
    this.loop = this.run();
  }

  /** Runs a statement between two writes (so no write races a column it names). */
  ddl(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.pending.push({ sql, done: (err) => (err ? reject(err) : resolve()) }));
  }

  private async run(): Promise<void> {
    while (this.running || this.pending.length) {
      const p = this.pending.shift();
      if (p) await this.sql(p.sql).then(() => p.done(), (err) => p.done(err));
      if (!this.running) continue;
      const id = this.next++;
      const s = this.schema;
      try {
        await this.sql(`INSERT INTO shop.orders (order_id, customer_id, ${s.coupon ? "coupon, " : ""}status, total_amount, order_date, updated_at) ` +
          `VALUES (${id}, ${id % 50}, ${s.coupon ? `'c${id}', ` : ""}'new', ${(id % 997) / 10}, NOW(), NOW())`);
        // Half the new customers take the DEFAULT (5), the others an explicit tier.
        const tier = s.tier && id % 2 === 0 ? `${id % 7 + 10}` : undefined;
        await this.sql(`INSERT INTO shop.customers (customer_id, name, email, ${s.city ? "city, " : ""}${tier ? "tier, " : ""}created_at, updated_at) ` +
          `VALUES (${id}, 'n${id}', 'e${id}@x.test', ${s.city ? `'city${id % 9}', ` : ""}${tier ? `${tier}, ` : ""}NOW(), NOW())`);
        if (id % 3 === 0) {
          await this.sql(`UPDATE shop.orders SET status = '${s.coupon ? "paid-after-the-alter" : "paid"}'${s.coupon ? `, coupon = 'u${id}'` : ""} WHERE order_id = ${id - 2}`);
          await this.sql(`UPDATE shop.customers SET name = 'renamed${id}'${s.tier ? `, tier = tier + 100` : ""} WHERE customer_id = ${id - 2}`);
        }
        if (s.refunds) await this.sql(`INSERT INTO shop.refunds (refund_id, order_id, amount, reason, created_at) VALUES (${id}, ${id - 1}, ${(id % 500) / 10}, 'r${id}', NOW())`);
        this.written++;
      } catch (err) {
        this.lastError = (err as Error).message;
      }
      await sleep(60);
    }
  }

  async stop(): Promise<number> {
    this.running = false;
    await this.loop;
    return this.written;
  }
}

/** Fails with the engine's error diagnostics first (expectOk shows only the output's tail, here the outputs diff). */
function expectOk(r: OperationResult): OperationResult {
  if (!r.ok) throw new Error(`pulumi ${r.op} of ${r.stack} failed after ${Math.round(r.durationMs / 1000)}s:\n${r.diagnostics.join("\n").slice(0, 8000)}\n…\n${(r.error ?? "").slice(-2000)}`);
  return r;
}

const skip = realEngineSkipReason();
const suite = "source schema changes on the real Pulumi engine: preview --diff shows each, up applies it, every row equal";

(skip ? describe.skip : describe)(skip ? `${suite} (skipped: ${skip})` : suite, () => {
  let t: RealParts;
  let pipelines: Record<string, string> = {};
  let firstCatalog: TableDef[] = [];
  let productsSource: Record<string, unknown>[] = [];
  let writer: Writer | undefined;
  let heartbeatJob: string | undefined;
  let productsJob: string | undefined;
  let preview: OperationResult;
  const op = (o: "up" | "preview" | "destroy", opts: Parameters<typeof runOperation>[3] = {}) => runOperation(t.ctx, o, STACK, opts);
  const sourceAt = (): Endpoint => ({ host: t.source.server.host, port: t.source.server.port, user: t.source.server.user, password: t.source.server.password });
  const sinkAt = (): Endpoint => ({ host: t.sink.host, port: t.sink.queryPort, user: "root", password: SECRETS.starrocksAdminPassword });
  const catalogDiff = async () => {
    const env: NodeJS.ProcessEnv = { ...engineEnv(t.ctx), CDC_PULUMI: "" };
    delete env.CDC_SOURCE_URL;
    delete env.CDC_SINK_URL;
    const r = await run(process.execPath, [path.join(ROOT, "bin/cdc.js"), "catalog", "diff", "--stack", STACK, "--capture", CAPTURE, "--json"], { cwd: ROOT, env });
    let data: { differs: boolean; refused: number; changes: Array<{ table: string; column?: string; kind: string; class: string }> } | undefined;
    try {
      data = JSON.parse(r.stdout);
    } catch {
      throw new Error(`cdc catalog diff --stack ${STACK} printed no JSON (exit ${r.status}): ${r.stdout}${r.stderr}`);
    }
    return { ...r, data: data! };
  };

  beforeAll(async () => {
    t = await startReal({ tables: ["orders", "customers", "products"], sampleRows: SAMPLE_ROWS });
    // The source catalog: `tables` selects demo tables and is refused with catalog: source.
    const { tables: _demoTables, ...config } = t.config(STACK);
    void _demoTables;
    configureStack(t.ctx, STACK, { ...config, catalog: "source", captureTables: CAPTURE }, t.secretKeys);
  }, 300_000);

  afterAll(async () => {
    await writer?.stop().catch(() => undefined);
    if (!t) return;
    await op("destroy").catch(() => undefined);
    await t.stop();
  }, 600_000);

  test("up creates a sink table and a job for every captured table; every row equal", async () => {
    const r = expectOk(await op("up"));
    expect(stepNames(r, "create", "starrocks:Table")).toEqual(["sink-table-cdc_heartbeat", "sink-table-customers", "sink-table-orders", "sink-table-products"]);
    expect(stepNames(r, "create", "flink:CdcJob")).toEqual(["cdc-job-cdc_heartbeat", "cdc-job-customers", "cdc-job-orders", "cdc-job-products"]);
    firstCatalog = r.outputs!.catalog.value as TableDef[];
    expect(firstCatalog.map((x) => x.name)).toEqual(["customers", "orders", "products", "cdc_heartbeat"]);
    const jobNames = r.outputs!.cdcJobs.value as string[];
    pipelines = Object.fromEntries(["orders", "customers", "products", "cdc_heartbeat"].map((x) => [x, jobNames.find((n) => n.endsWith(`-cdc-${x}`))!]));
    for (const p of Object.values(pipelines)) expect((await runningJob(t.flinkRestUrl, p))?.state).toBe("RUNNING");
    await waitForEqualRows(firstCatalog.filter((x) => !x.internal), { at: sourceAt(), database: "shop" }, { at: sinkAt(), database: "shop" }, 180_000, "after the first up");
  }, 600_000);

  test("several source changes under writes: preview --diff shows each one, and cdc catalog diff names them (exit 1)", async () => {
    writer = new Writer((s) => t.sourceSql(s));
    await sleep(2000);
    productsSource = await readRows(sourceAt(), "shop", "products");
    expect(productsSource).toHaveLength(SAMPLE_ROWS);
    heartbeatJob = (await runningJob(t.flinkRestUrl, pipelines.cdc_heartbeat))?.jid;
    productsJob = (await runningJob(t.flinkRestUrl, pipelines.products))?.jid;
    expect([heartbeatJob, productsJob].every(Boolean)).toBe(true);

    await writer.ddl("ALTER TABLE shop.orders ADD COLUMN coupon VARCHAR(10) NULL AFTER customer_id");
    writer.schema.coupon = true;
    await writer.ddl("ALTER TABLE shop.orders MODIFY COLUMN status VARCHAR(40) NOT NULL");
    await writer.ddl("ALTER TABLE shop.customers DROP COLUMN city");
    writer.schema.city = false;
    await writer.ddl("ALTER TABLE shop.customers ADD COLUMN tier INT NOT NULL DEFAULT 5 AFTER email");
    writer.schema.tier = true;
    await writer.ddl("CREATE TABLE shop.refunds (refund_id BIGINT NOT NULL PRIMARY KEY, order_id BIGINT NOT NULL, amount DECIMAL(10,2) NOT NULL, reason VARCHAR(50) NULL, created_at DATETIME NOT NULL)");
    await writer.ddl("INSERT INTO shop.refunds VALUES (1, 1, 9.50, 'damaged', NOW()), (2, 2, 0.99, NULL, NOW()), (3, 3, 120.00, 'late', NOW())");
    writer.schema.refunds = true;
    await writer.ddl("DROP TABLE shop.products");
    // Rows written between the source's ALTERs and the up: the running jobs load them without the new columns.
    await sleep(5000);

    preview = expectOk(await op("preview", { diff: true }));
    const blocks = diffBlocks(preview.stdout);
    const changed = preview.steps.filter((s) => s.phase === "pre" && s.type.includes("dynamic/") && s.op !== "same").map((s) => `${s.op} ${s.name}`).sort();
    // Exactly these steps: the heartbeat's table and job, the database, the loader user and the preflight show none.
    expect(changed).toEqual([
      "create cdc-job-refunds", "create sink-table-refunds",
      "delete cdc-job-products", "delete sink-table-products",
      "update cdc-job-customers", "update cdc-job-orders", "update sink-table-customers", "update sink-table-orders",
    ]);
    expect(nonZero(preview.changes)).toEqual({ create: 2, delete: 2, update: 4, same: preview.changes.same });
    const text = (name: string) => blocks.get(name)?.text ?? `(no diff block for ${name} in the preview:\n${preview.stdout})`;

    // The Table updates: their `schemaChanges` lines, each shown whole (Pulumi cuts strings after 150
    // characters): the change as table.column, the StarRocks statement, the job's action.
    const orderLines = schemaLines(text("sink-table-orders"));
    expect(blocks.get("sink-table-orders")?.op).toBe("update");
    expect(orderLines).toEqual(expect.arrayContaining([
      "orders.coupon: column coupon VARCHAR(40) NULL added [re-snapshot]",
      "  StarRocks: ALTER TABLE `shop`.`orders` ADD COLUMN `coupon` VARCHAR(40) NULL AFTER `customer_id`",
      "orders.status: column status: VARCHAR(80) -> VARCHAR(160) [in-place]",
      "  StarRocks: ALTER TABLE `shop`.`orders` MODIFY COLUMN `status` VARCHAR(160) NOT NULL",
      "  Job: unchanged: its Flink SQL stays the same (STRING)",
    ]));
    expect(orderLines.find((l) => l.startsWith("  Job: stopped with a savepoint and started again WITHOUT state"))).toBeDefined();
    const customerLines = schemaLines(text("sink-table-customers"));
    expect(blocks.get("sink-table-customers")?.op).toBe("update");
    expect(customerLines).toEqual(expect.arrayContaining([
      "customers.tier: column tier INT NOT NULL added [re-snapshot]",
      "customers.city: column city dropped in the source; kept in StarRocks; the re-snapshot reloads every row without it, so it holds NULL afterwards [re-snapshot]",
      "  StarRocks: nothing to change",
    ]));
    expect(customerLines.find((l) => /^ {2}StarRocks: ALTER TABLE `shop`\.`customers` ADD COLUMN `tier` INT NOT NULL DEFAULT .{1,3}0.{1,3} AFTER `email`$/.test(l))).toBeDefined();
    expect(customerLines.find((l) => l.startsWith("  Job: stopped and started again WITHOUT state"))).toBeDefined();
    // Nothing cut: no line of either list ends in Pulumi's "...".
    expect([...orderLines, ...customerLines].filter((l) => l.endsWith("..."))).toEqual([]);

    // The jobs' updates: the statements that read the new columns (and no longer the dropped one).
    expect(blocks.get("cdc-job-orders")?.op).toBe("update");
    expect(text("cdc-job-orders")).toMatch(/statements/);
    expect(text("cdc-job-orders")).toMatch(/\+.*`coupon`/);
    expect(blocks.get("cdc-job-customers")?.op).toBe("update");
    expect(text("cdc-job-customers")).toMatch(/\+.*`tier`/);
    expect(text("cdc-job-customers")).toMatch(/-.*`city`/);

    // The new table: its Table and job created; the dropped one: its job deleted, its StarRocks table retained.
    expect(blocks.get("sink-table-refunds")?.op).toBe("create");
    expect(blocks.get("cdc-job-refunds")?.op).toBe("create");
    expect(blocks.get("cdc-job-products")?.op).toBe("delete");
    expect(blocks.get("sink-table-products")?.op).toBe("delete[retain]");
    // Untouched tables show no block.
    for (const name of ["sink-table-cdc_heartbeat", "cdc-job-cdc_heartbeat"]) expect(blocks.has(name)).toBe(false);

    const diff = await catalogDiff();
    expect([diff.status, diff.stderr]).toEqual([1, ""]);
    expect(diff.data.refused).toBe(0);
    expect(diff.data.changes.map((c) => `${c.table}${c.column ? `.${c.column}` : ""} ${c.kind} ${c.class}`).sort()).toEqual([
      "customers.city keep-column re-snapshot",
      "customers.tier add-column re-snapshot",
      "orders.coupon add-column re-snapshot",
      "orders.status widen-type in-place",
      "products dropped-table dropped-table",
      "refunds new-table new-table",
    ]);
  }, 600_000);

  test("up applies every change as previewed; every row equal, new columns with their real values; the dropped table kept, its job gone", async () => {
    const up = expectOk(await op("up"));
    const written = await writer!.stop();
    expect(writer!.lastError).toBe("");
    expect(written).toBeGreaterThan(50);
    const did = up.steps.filter((s) => s.phase === "pre" && s.type.includes("dynamic/") && s.op !== "same").map((s) => `${s.op} ${s.name}`).sort();
    const planned = preview.steps.filter((s) => s.phase === "pre" && s.type.includes("dynamic/") && s.op !== "same").map((s) => `${s.op} ${s.name}`).sort();
    expect(did).toEqual(planned);

    const catalog = up.outputs!.catalog.value as TableDef[];
    expect(catalog.map((x) => x.name)).toEqual(["customers", "orders", "refunds", "cdc_heartbeat"]);
    const captured = catalog.filter((x) => !x.internal);
    await waitForEqualRows(captured, { at: sourceAt(), database: "shop" }, { at: sinkAt(), database: "shop" }, 240_000, "after the up that applied the schema changes");

    // The new columns hold their source values in StarRocks, not StarRocks' DEFAULT or NULL: rows from before
    // the ALTER (DEFAULT 5), rows written between the ALTER and the up with explicit tiers and coupons.
    const customers = await readRows(sinkAt(), "shop", "customers");
    const tiers = new Set(customers.map((r) => String(r.tier)));
    expect(tiers.has("5")).toBe(true);
    expect(tiers.has("0")).toBe(false);
    expect([...tiers].some((v) => Number(v) >= 10)).toBe(true);
    // The kept column: NULL in every row after the re-snapshot.
    expect(customers.filter((r) => r.city !== null)).toEqual([]);
    const orders = await readRows(sinkAt(), "shop", "orders");
    expect(orders.some((r) => /^c\d+$/.test(String(r.coupon)))).toBe(true);
    expect(orders.some((r) => /^u\d+$/.test(String(r.coupon)))).toBe(true);
    expect((await readRows(sinkAt(), "shop", "refunds")).length).toBeGreaterThan(3);

    // The dropped table: kept in StarRocks with every row it had; its job stopped with a savepoint.
    const products = firstCatalog.find((x) => x.name === "products")!;
    expect(rowDifferences(products, productsSource, await readRows(sinkAt(), "shop", "products"))).toEqual([]);
    expect(await runningJob(t.flinkRestUrl, pipelines.products)).toBeUndefined();
    expect((await flinkJobs(t.flinkRestUrl)).find((j) => j.jid === productsJob)?.state).toBe("FINISHED");
    // The untouched table's job still runs as the same job.
    expect((await runningJob(t.flinkRestUrl, pipelines.cdc_heartbeat))?.jid).toBe(heartbeatJob);

    const diff = await catalogDiff();
    expect([diff.status, diff.stderr, diff.data.changes]).toEqual([0, "", []]);
  }, 900_000);

  test("up again shows no changes", async () => {
    const r = expectOk(await op("up"));
    expect(Object.keys(nonZero(r.changes))).toEqual(["same"]);
  }, 300_000);
});
