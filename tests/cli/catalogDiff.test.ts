/**
 * `cdc catalog diff` against a real MariaDB source: nothing differs (exit 0), then a source ALTER and a new
 * table (exit 1, each change named with its StarRocks statement and the job's action; `--json` the same data).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as mysql from "mysql2/promise";
import { findTable } from "../../catalog/tables";
import { createDatabaseSql, createTableSql } from "../../render/mysql";
import { MariaDbServer, startMariaDb } from "../helpers/mariadb";
import { runCli } from "./run-cli";

let server: MariaDbServer;
let deployedFile: string;
const deployed = [findTable("orders"), findTable("customers")];

async function sql(statement: string): Promise<void> {
  const c = await mysql.createConnection({ host: server.host, port: server.port, user: server.user, password: server.password });
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  server = await startMariaDb({});
  await sql(createDatabaseSql("shop"));
  for (const t of deployed) await sql(createTableSql("shop", t));
  deployedFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cdc-catalog-")), "deployed.json");
  fs.writeFileSync(deployedFile, JSON.stringify(deployed));
});
afterAll(async () => {
  await server?.stop();
});

const url = () => `mysql://root@${server.host}:${server.port}/shop`;

test("source equal to the deployed catalog: exit 0, nothing to deploy", async () => {
  const r = await runCli(["catalog", "diff", "--source", url(), "--deployed", deployedFile]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/matches .*deployed\.json: nothing to deploy/);
});

test("an added column and a new table: exit 1, each change in words and in --json", async () => {
  await sql("ALTER TABLE shop.orders ADD COLUMN coupon VARCHAR(10) NULL AFTER customer_id");
  await sql("ALTER TABLE shop.customers MODIFY COLUMN city VARCHAR(200) NULL");
  await sql(createTableSql("shop", findTable("products")));
  const r = await runCli(["catalog", "diff", "--source", url(), "--deployed", deployedFile]);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/orders\.coupon: column coupon VARCHAR\(40\) NULL added \[re-snapshot\]\. StarRocks: ALTER TABLE `shop`\.`orders` ADD COLUMN `coupon` VARCHAR\(40\) NULL AFTER `customer_id`/);
  expect(r.stdout).toMatch(/customers\.city: column city: VARCHAR\(400\) -> VARCHAR\(800\) \[in-place\]/);
  expect(r.stdout).toMatch(/products: new table products .*\[new-table\].*full snapshot/);
  const json = await runCli(["catalog", "diff", "--source", url(), "--deployed", deployedFile, "--json"]);
  expect(json.code).toBe(1);
  const data = JSON.parse(json.stdout);
  expect(data).toMatchObject({ differs: true, refused: 0 });
  expect(data.changes.map((c: { table: string; kind: string }) => `${c.table}:${c.kind}`)).toEqual(["customers:widen-type", "orders:add-column", "products:new-table"]);
});

test("a narrowed column is reported as refused, with the way out", async () => {
  await sql("ALTER TABLE shop.customers MODIFY COLUMN name VARCHAR(20) NOT NULL");
  const r = await runCli(["catalog", "diff", "--source", url(), "--deployed", deployedFile, "--capture", "customers"]);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/customers\.name: column name: VARCHAR shortened from 400 to 80 bytes \[refused\]\. Refused.*Way out: set allowDestructiveChanges/);
  expect(r.stdout).toMatch(/1 refused/);
});

test("--stack: the deployed catalog and the source come from `pulumi stack output`", async () => {
  // A stand-in `pulumi` printing what `pulumi stack output --json --show-secrets` prints for a deployed stack.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-fake-pulumi-"));
  const outputs = JSON.stringify({ sourceUrl: url(), sinkUrl: url(), tables: ["orders", "customers"], catalog: deployed });
  fs.writeFileSync(path.join(dir, "pulumi"), `#!/bin/sh\ncat <<'EOF'\n${outputs}\nEOF\n`, { mode: 0o755 });
  const r = await runCli(["catalog", "diff", "--stack", "dev", "--capture", "orders|customers"], { CDC_PULUMI: path.join(dir, "pulumi") });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/orders\.coupon: column coupon VARCHAR\(40\) NULL added \[re-snapshot\]/);
  expect(r.stdout).not.toMatch(/products/);
});
