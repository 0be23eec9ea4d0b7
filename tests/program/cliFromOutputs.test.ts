/**
 * The operator CLI works from an all-external stack's outputs: `cdc counts --stack` reads sourceUrl, sinkUrl
 * and tables (as `pulumi stack output` prints them) and connects to the configured systems. Two real MariaDB
 * servers play the external MySQL source and, over the MySQL protocol, the external StarRocks FE.
 */
import { defaultLoaderUser } from "../../render/users";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as mysql from "mysql2/promise";
import { TABLES } from "../../catalog/tables";
import { createTableSql } from "../../render/mysql";
import { MariaDbServer, mariadbAvailable, startMariaDb } from "../helpers/mariadb";
import { runCli } from "../cli/run-cli";
import { runProgram } from "./harness";

const maybe = mariadbAvailable() ? describe : describe.skip;

maybe("cdc --stack on an all-external stack", () => {
  let source: MariaDbServer;
  let sink: MariaDbServer;
  const orders = TABLES.find((t) => t.name === "orders")!;

  async function prepare(server: MariaDbServer, user: string, password: string, rows: number): Promise<void> {
    const c = await mysql.createConnection({ host: server.host, port: server.port, user: "root", password: "" });
    await c.query("CREATE DATABASE shop");
    await c.query(createTableSql("shop", orders));
    for (let i = 1; i <= rows; i++) {
      await c.query("INSERT INTO shop.orders (order_id, customer_id, status, total_amount, order_date, updated_at) VALUES (?, 1, 'new', 1.00, NOW(), NOW())", [i]);
    }
    await c.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await c.query(`GRANT SELECT, INSERT, DELETE ON shop.* TO '${user}'@'%'`);
    await c.end();
  }

  beforeAll(async () => {
    [source, sink] = await Promise.all([startMariaDb(), startMariaDb({ binlog: false })]);
    await prepare(source, "flink_cdc", "src-pw", 3);
    // The stack's default loader user: flink_loader_<stack> (render/users.ts).
    await prepare(sink, defaultLoaderUser("dev"), "loader-pw", 2);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([source?.stop(), sink?.stop()]);
  });

  test("counts both sides through the stack's outputs", async () => {
    const run = await runProgram({
      tables: ["orders"],
      sourceMode: "external", sourceHost: "127.0.0.1", sourcePort: source.port, sourcePassword: "src-pw",
      starrocksMode: "external", starrocksHost: "127.0.0.1", starrocksQueryPort: sink.port, starrocksAdminPassword: "admin-pw",
      loaderPassword: "loader-pw",
      flinkMode: "external", flinkRestUrl: "http://127.0.0.1:1", flinkSqlGatewayUrl: "http://127.0.0.1:2",
      flinkCheckpointDir: "file:///tmp/cp", flinkSavepointDir: "file:///tmp/sp",
    }, "dev", ["sourcePassword", "starrocksAdminPassword", "loaderPassword"]);
    // `pulumi stack output --json --show-secrets` prints every output with secrets in the clear.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-fake-pulumi-"));
    fs.writeFileSync(path.join(dir, "pulumi"), `#!/bin/sh\ncat <<'EOF'\n${JSON.stringify(run.outputs)}\nEOF\n`, { mode: 0o755 });
    try {
      const r = await runCli(["counts", "--stack", "dev", "--json"], { CDC_PULUMI: path.join(dir, "pulumi") });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).tables).toEqual([{ table: "orders", source: 3, sink: 2, difference: 1, toolRows: 0 }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
