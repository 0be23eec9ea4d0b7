/**
 * The program with `catalog: source` under Pulumi's mocks, its catalog read from a real MariaDB: the same
 * resource graph shape as the demo catalog (a sink table and a CDC job per captured table, plus the
 * heartbeat's), and a preview that fails before any resource when a table cannot be replicated or the
 * source cannot be reached.
 */
import { runProgram } from "./harness";
import { MariaDbServer, freePort, mariadbAvailable, startMariaDb } from "../helpers/mariadb";
import { withMysql } from "../../clients/mysql";
import { APP_SCHEMA, HEARTBEAT_DDL } from "../helpers/appSchema";

const maybe = mariadbAvailable() ? describe : describe.skip;

// Each program run loads a fresh SDK and the whole program; on a loaded machine that takes minutes.
jest.setTimeout(900_000);

maybe("catalog: source", () => {
  let server: MariaDbServer;
  const external = () => ({ sourceMode: "external", sourceHost: "127.0.0.1", sourcePort: server.port, sourceUser: "root", sourceDatabase: "app" });

  beforeAll(async () => {
    server = await startMariaDb({ binlog: false });
    await withMysql(server, {}, async (c) => {
      for (const s of APP_SCHEMA) await c.query(s);
      await c.query(HEARTBEAT_DDL);
    });
  });
  afterAll(async () => server?.stop());

  /** Resource types and names, with each table's name replaced by a placeholder. */
  const shape = (resources: Array<{ type: string; name: string }>, tables: string[]) =>
    resources.map((r) => `${r.type}::${tables.reduce((n, t) => n.replace(new RegExp(`-${t}$`), "-<table>"), r.name)}`).sort();

  test("deploys the same resource graph shape as the demo catalog, one job and sink table per captured table", async () => {
    const withSecret = (cfg: Record<string, unknown>) => runProgram({ ...cfg, sourcePassword: server.password }, "dev", ["sourcePassword"]);
    const demoRun = await withSecret({ ...external(), tables: ["orders", "customers"] });
    const source = await withSecret({ ...external(), catalog: "source", captureTables: "accounts|order_lines" });
    expect(shape(source.resources, ["accounts", "order_lines", "cdc_heartbeat"])).toEqual(shape(demoRun.resources, ["orders", "customers", "cdc_heartbeat"]));
    expect(source.outputs.tables).toEqual(["accounts", "order_lines"]);
    const job = source.one("pulumi-nodejs:dynamic/flink:CdcJob", "cdc-job-accounts");
    expect(job.inputs.statements[0]).toContain("'table-name' = 'accounts'");
    expect(job.inputs.statements[0]).toContain("`id` DECIMAL(20, 0) NOT NULL");
    const sink = source.one("pulumi-nodejs:dynamic/starrocks:Table", "sink-table-accounts");
    expect(sink.inputs.definition.columns.find((c: { name: string }) => c.name === "id").type).toMatchObject({ kind: "mapped", starrocks: "LARGEINT" });
  });

  test("preview fails before any resource, listing every table that cannot be replicated", async () => {
    const err = await runProgram({ ...external(), sourcePassword: server.password, catalog: "source" }, "dev", ["sourcePassword"]).then(() => undefined, (e) => e);
    expect(String(err?.message ?? err)).toMatch(/the source database app cannot be replicated as configured:[\s\S]*table audit_log has no primary key[\s\S]*float_key\.f double[\s\S]*gadgets\.u uuid/);
  });

  test("preview fails naming the host, the user and the cause when the source cannot be reached", async () => {
    const port = await freePort();
    const err = await runProgram({ ...external(), sourcePort: port, sourceUser: "reader", sourcePassword: "pw", catalog: "source" }, "dev", ["sourcePassword"]).then(() => undefined, (e) => e);
    expect(String(err?.message ?? err)).toMatch(new RegExp(`cannot read the tables of source database app at 127\\.0\\.0\\.1:${port} as user reader: .*ECONNREFUSED`));
  });
});
