/**
 * Load-generator benchmark: on one throwaway MariaDB (binlog on, ROW format, as a CDC source runs),
 * compares `sysbench oltp_insert` with `cdc bench parallel` at the same thread count, then
 * `cdc bench parallel --batch 100` with single-row cdc.
 *
 *   npx ts-node --transpile-only -P tsconfig.json bench/compare-sysbench.ts [--threads 4] [--seconds 10]
 *   (or: bench/compare-sysbench.sh)
 *
 * `cdc bench` needs a sink; here it is the same server, so the tool runs its whole path (writers, commit
 * tracker, a sink poll per table every 50 ms) while nothing else competes for the CPU. A replica would
 * spend the same cores applying rows and measure the machine rather than the load generator. The
 * latency cdc reports here is therefore only the measurement's own resolution (rows are visible at once,
 * so p50 is about half a poll interval).
 *
 * Each single-row measurement runs --rounds times (default 3), alternating tools, and the median counts:
 * on a small machine one run varies by +-10%. A third figure, a bare mysql2 loop (same threads, same
 * prepared single-row INSERT, nothing else), shows how much of any gap is the Node driver rather than
 * the load generator.
 *
 * Targets: cdc single-row >= 0.9 x sysbench; cdc --batch 100 >= 5 x cdc single-row. Exits 1 if missed.
 */
// Refuse an old Node before anything else loads (bin/node-version.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
require("../bin/node-version").requireSupportedNode("bench");
import { spawnSync } from "child_process";
import * as path from "path";
import * as mysql from "mysql2/promise";
import { TABLES } from "../catalog/tables";
import { schemaScript } from "../render/mysql";
import { startMariaDb } from "../tests/helpers/mariadb";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const threads = arg("threads", 4);
const seconds = arg("seconds", 10);
const rounds = arg("rounds", 3);
const BIN = path.join(__dirname, "..", "bin", "cdc.js");

function sysbench(port: number, cmd: "prepare" | "run"): string {
  const res = spawnSync("sysbench", [
    "oltp_insert", "--db-driver=mysql", "--mysql-host=127.0.0.1", `--mysql-port=${port}`, "--mysql-user=root", "--mysql-password=",
    "--mysql-db=sbtest", "--tables=5", "--table-size=1", `--threads=${threads}`, `--time=${seconds}`, "--report-interval=0", cmd,
  ], { encoding: "utf8" });
  if (res.status !== 0) throw new Error(`sysbench ${cmd} failed: ${res.stderr || res.stdout}`);
  return res.stdout;
}

function cdcBench(source: string, sink: string, batch: number): { rowsPerSec: number; p50: number; p99: number } {
  const res = spawnSync(process.execPath, [BIN, "bench", "parallel", "-d", String(seconds), "-w", String(threads), "--batch", String(batch), "--json", "--source", source, "--sink", sink], { encoding: "utf8" });
  if (res.status !== 0) throw new Error(`cdc bench failed (exit ${res.status}): ${res.stderr}`);
  const d = JSON.parse(res.stdout);
  return { rowsPerSec: d.rowsPerSec, p50: d.latencyMs.p50, p99: d.latencyMs.p99 };
}

/** The floor of any Node load generator: `threads` connections, each awaiting one prepared INSERT at a time. */
async function bareMysql2(port: number): Promise<number> {
  const conns = await Promise.all(Array.from({ length: threads }, () => mysql.createConnection({ host: "127.0.0.1", port, user: "root", database: "sbtest", trace: false })));
  const sql = "INSERT INTO raw_orders (order_id, customer_id, status, total_amount, order_date, updated_at) VALUES (?, 8, 'cdc-tool', 38.0, CURRENT_TIMESTAMP(3), CURRENT_TIMESTAMP(3))";
  let next = Date.now() * 1000;
  let rows = 0;
  const started = Date.now();
  const end = started + seconds * 1000;
  await Promise.all(conns.map(async (c) => {
    while (Date.now() < end) {
      await c.execute(sql, [String(next++)]);
      rows++;
    }
  }));
  const rate = rows / ((Date.now() - started) / 1000);
  await Promise.all(conns.map((c) => c.end()));
  return rate;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const server = await startMariaDb({ binlog: true });
  const url = `mysql://root@127.0.0.1:${server.port}/shop`;
  try {
    const c = await mysql.createConnection({ host: "127.0.0.1", port: server.port, user: "root", multipleStatements: true });
    await c.query(schemaScript("shop", TABLES.slice(), 0));
    await c.query("CREATE DATABASE sbtest");
    await c.query("CREATE TABLE sbtest.raw_orders LIKE shop.orders");
    await c.end();
    sysbench(server.port, "prepare");
    const sbRates: number[] = [];
    const cdcRuns: Array<ReturnType<typeof cdcBench>> = [];
    const bareRates: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const out = sysbench(server.port, "run");
      const m = /transactions:\s+(\d+)\s+\(([\d.]+) per sec\.\)/.exec(out);
      if (!m) throw new Error(`cannot read sysbench output:\n${out}`);
      sbRates.push(Number(m[2]));
      cdcRuns.push(cdcBench(url, url, 1));
      bareRates.push(await bareMysql2(server.port));
      console.error(`round ${i + 1}/${rounds}: sysbench ${Math.round(sbRates[i])}, cdc ${Math.round(cdcRuns[i].rowsPerSec)}, bare mysql2 ${Math.round(bareRates[i])} rows/s`);
    }
    const sb = median(sbRates);
    const single = cdcRuns.find((r) => r.rowsPerSec === median(cdcRuns.map((x) => x.rowsPerSec)))!;
    const bare = median(bareRates);
    const batch = cdcBench(url, url, 100);

    const r1 = single.rowsPerSec / sb;
    const r2 = batch.rowsPerSec / single.rowsPerSec;
    const f = (x: number) => Math.round(x).toLocaleString("en-US").padStart(9);
    console.log(`threads ${threads}, ${seconds} s per run, median of ${rounds} rounds, one MariaDB on 127.0.0.1 (binlog on; cdc sink = the same server)`);
    console.log(`sysbench oltp_insert          ${f(sb)} rows/s`);
    console.log(`bare mysql2 loop (Node)       ${f(bare)} rows/s   (${(bare / sb).toFixed(2)}x sysbench: the driver's ceiling)`);
    console.log(`cdc bench parallel            ${f(single.rowsPerSec)} rows/s   (latency p50 ${single.p50} ms, p99 ${single.p99} ms)`);
    console.log(`cdc bench parallel --batch 100${f(batch.rowsPerSec)} rows/s   (latency p50 ${batch.p50} ms, p99 ${batch.p99} ms)`);
    console.log(`cdc / sysbench (single-row)   ${r1.toFixed(2)}x   target >= 0.9x   ${r1 >= 0.9 ? "ok" : "MISSED"}`);
    console.log(`cdc / bare mysql2             ${(single.rowsPerSec / bare).toFixed(2)}x   (overhead of the generator, poller and tracker)`);
    console.log(`batch 100 / single-row        ${r2.toFixed(2)}x   target >= 5x     ${r2 >= 5 ? "ok" : "MISSED"}`);
    process.exitCode = r1 >= 0.9 && r2 >= 5 ? 0 : 1;
  } finally {
    await server.stop();
  }
}

main().catch((err) => {
  console.error(`compare-sysbench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
});
