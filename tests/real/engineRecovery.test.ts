/**
 * The real Pulumi engine (scripts/engine.ts: the CLI against an inline program evaluating index.ts) on the
 * real tier, for what goes wrong: an `up` that fails on a wrong source password, the JobManager lost in
 * the middle of a large snapshot, and two stacks sharing one external StarRocks. Each stack is all-external
 * (real Flink, a MariaDB source, moto S3, the StarRocks STAND-IN, tests/engine/realTarget.ts).
 */
import * as mysql from "mysql2/promise";
import { configureStack, runOperation, setConfig } from "../../scripts/engine";
import { RealParts, SECRETS, realEngineSkipReason, startReal } from "../engine/realTarget";
import { driftNames, eventually, expectOk, nonZero, orderIds, runningJob, stepNames } from "../engine/target";

const skip = realEngineSkipReason();
const describeEngine = (name: string, fn: () => void) => (skip ? describe.skip(`${name} (skipped: ${skip})`, fn) : describe(name, fn));
const PIPELINE = (stack: string, table: string) => `starrocks-cdc-${stack}-cdc-${table}`;

/** Keys of shop.orders in the source and in a sink database of the stand-in's store (its MariaDB), sorted. */
async function keys(parts: RealParts, sinkDatabase: string): Promise<{ source: string[]; sink: string[] }> {
  const src = (await parts.sourceSql<{ k: string }>("SELECT CAST(order_id AS CHAR) AS k FROM shop.orders ORDER BY order_id")).map((r) => String(r.k));
  const s = parts.sink.store.server;
  const c = await mysql.createConnection({ host: s.host, port: s.port, user: s.user, password: s.password });
  try {
    const [rows] = await c.query(`SELECT CAST(order_id AS CHAR) AS k FROM \`${sinkDatabase}\`.orders ORDER BY order_id`);
    return { source: src, sink: (rows as Array<{ k: string }>).map((r) => String(r.k)) };
  } finally {
    await c.end();
  }
}

async function sinkMatchesSource(parts: RealParts, sinkDatabase: string, what: string, timeoutMs = 300_000): Promise<void> {
  let last = "";
  await eventually(what, async () => {
    const k = await keys(parts, sinkDatabase).catch((err) => ({ source: [], sink: [], err }));
    const missing = k.source.filter((x, i) => k.sink[i] !== x);
    last = `source ${k.source.length} rows, sink ${k.sink.length}, first differing keys ${missing.slice(0, 5).join(", ")}`;
    return k.source.length > 0 && k.source.length === k.sink.length && missing.length === 0 ? true : undefined;
  }, timeoutMs, 2000).catch((err) => {
    throw new Error(`${(err as Error).message}: ${last}`);
  });
}

describeEngine("the real engine when things go wrong (real tier, all-external stacks)", () => {
  let parts: RealParts;
  const insertOrders = (ids: number[]) =>
    parts.sourceSql(`INSERT INTO shop.orders (order_id, customer_id, status, total_amount, order_date, updated_at) VALUES ${ids.map((id) => `(${id}, 7, 'new', 12.50, NOW(), NOW())`).join(", ")}`);

  beforeAll(async () => {
    parts = await startReal();
  }, 300_000);

  afterAll(async () => {
    for (const stack of ["badpw", "alpha", "beta"]) await runOperation(parts.ctx, "destroy", stack).catch(() => undefined);
    await parts?.stop();
  }, 600_000);

  test("an up with a wrong source password fails within seconds naming the cause, and the next up after the fix completes", async () => {
    const wrong = "wrong-Pw-70e1b2";
    configureStack(parts.ctx, "badpw", { ...parts.config("badpw"), sourcePassword: wrong }, parts.secretKeys);
    const failed = await runOperation(parts.ctx, "up", "badpw");
    expect(failed.ok).toBe(false);
    expect(failed.error).toMatch(/source-preflight/);
    expect(failed.error).toMatch(/Access denied for user 'flink_cdc'/);
    expect(failed.error).not.toMatch(/error: undefined/);
    expect(failed.error).not.toContain(wrong);
    // The preflight names the cause at once; it does not wait out providerTimeout (3 min here).
    expect(failed.durationMs).toBeLessThan(90_000);
    expect(await runningJob(parts.flinkRestUrl, PIPELINE("badpw", "orders"))).toBeUndefined();

    setConfig(parts.ctx, "badpw", { sourcePassword: SECRETS.sourcePassword }, ["sourcePassword"]);
    const up = expectOk(await runOperation(parts.ctx, "up", "badpw"));
    expect(stepNames(up, "create", "flink:CdcJob")).toEqual(["cdc-job-cdc_heartbeat", "cdc-job-orders"]);
    await sinkMatchesSource(parts, "shop", "rows after the fixed up");
    expectOk(await runOperation(parts.ctx, "destroy", "badpw"));
  }, 900_000);

  test("two stacks with different sinkDatabase on one external StarRocks both carry rows, and destroy removes what each owns", async () => {
    // One source, two stacks: their own server-id ranges, sink databases and loader passwords.
    configureStack(parts.ctx, "alpha", { ...parts.config("alpha"), sinkDatabase: "shop_a" }, parts.secretKeys);
    configureStack(parts.ctx, "beta", { ...parts.config("beta"), sinkDatabase: "shop_b", cdcServerIdBase: 6400, loaderPassword: "loader-Pw-beta-51e0" }, parts.secretKeys);
    expectOk(await runOperation(parts.ctx, "up", "alpha"));
    expectOk(await runOperation(parts.ctx, "up", "beta"));
    await insertOrders([5001, 5002, 5003]);
    await sinkMatchesSource(parts, "shop_a", "stack alpha's sink");
    await sinkMatchesSource(parts, "shop_b", "stack beta's sink");
    // Both stacks' own outputs lead to their rows (what `cdc --stack` reads with).
    for (const [stack, db] of [["alpha", "shop_a"], ["beta", "shop_b"]]) {
      const outs = JSON.parse(require("../../scripts/engine").pulumiCli(parts.ctx, ["stack", "output", "--json", "--show-secrets", "--stack", stack]));
      expect(outs.sinkDatabase).toBe(db);
      expect(await orderIds(outs.sinkUrl)).toEqual((await keys(parts, db)).source.slice().sort());
    }
    // Neither stack's refresh sees drift the other caused.
    for (const stack of ["alpha", "beta"]) expect(Object.keys(nonZero(expectOk(await runOperation(parts.ctx, "refresh", stack)).changes))).toEqual(["same"]);

    const loaderOf = (stack: string) => {
      const outs = JSON.parse(require("../../scripts/engine").pulumiCli(parts.ctx, ["stack", "output", "--json", "--show-secrets", "--stack", stack]));
      return decodeURIComponent(new URL(outs.sinkUrl).username);
    };
    const users = { alpha: loaderOf("alpha"), beta: loaderOf("beta") };
    expectOk(await runOperation(parts.ctx, "destroy", "alpha"));
    expect(await parts.sinkHasDatabase("shop_a")).toBe(false);
    expect(await parts.sinkHasDatabase("shop_b")).toBe(true);
    // beta still loads after alpha is gone.
    await insertOrders([5004]);
    await sinkMatchesSource(parts, "shop_b", "stack beta's sink after alpha's destroy");
    expectOk(await runOperation(parts.ctx, "destroy", "beta"));
    expect(await parts.sinkHasDatabase("shop_b")).toBe(false);
    for (const u of Object.values(users)) expect([u, await parts.sinkHasUser(u)]).toEqual([u, false]);
  }, 1_200_000);
});

describeEngine("the real engine after the JobManager is lost mid-snapshot (real tier)", () => {
  let parts: RealParts;
  const STACK = "jmloss";
  const ROWS = 300_000;

  beforeAll(async () => {
    parts = await startReal({ sampleRows: 0 });
    // A few hundred thousand rows, so the snapshot is still loading when the JobManager dies.
    await parts.sourceSql(
      `INSERT INTO shop.orders (order_id, customer_id, status, total_amount, order_date, updated_at)
       SELECT seq, 1 + seq % 97, 'new', 10.00 + seq % 50, NOW(), NOW() FROM seq_1_to_${ROWS}`,
    );
  }, 300_000);

  afterAll(async () => {
    await runOperation(parts.ctx, "destroy", STACK).catch(() => undefined);
    await parts?.stop();
  }, 600_000);

  test("refresh reports the jobs gone, up restores them, and no row is lost", async () => {
    configureStack(parts.ctx, STACK, parts.config(STACK), parts.secretKeys);
    const up = expectOk(await runOperation(parts.ctx, "up", STACK));
    expect(stepNames(up, "create", "flink:CdcJob")).toEqual(["cdc-job-cdc_heartbeat", "cdc-job-orders"]);
    const loaded = await parts.sinkCount("shop", "orders");
    // Part of the snapshot is loaded, not all of it.
    expect(loaded).toBeLessThan(ROWS);
    await parts.tier.killJobManager();
    await parts.tier.startJobManager({ freshTaskManager: true });
    expect(await runningJob(parts.flinkRestUrl, PIPELINE(STACK, "orders"))).toBeUndefined();

    const refresh = expectOk(await runOperation(parts.ctx, "refresh", STACK));
    expect(driftNames(refresh, "flink:CdcJob")).toEqual(["cdc-job-cdc_heartbeat", "cdc-job-orders"]);

    const heal = expectOk(await runOperation(parts.ctx, "up", STACK));
    expect(heal.ok).toBe(true);
    for (const table of ["orders", "cdc_heartbeat"]) expect((await runningJob(parts.flinkRestUrl, PIPELINE(STACK, table)))?.state).toBe("RUNNING");
    await sinkMatchesSource(parts, "shop", "the stand-in after the restored snapshot", 600_000);
    expect((await keys(parts, "shop")).sink.length).toBe(ROWS);
  }, 1_200_000);
});
