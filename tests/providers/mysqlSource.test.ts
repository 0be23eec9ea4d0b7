import { replicatedTables } from "../../catalog/tables";
import { query, withMysql } from "../../clients/mysql";
import { evaluatePreflight, runPreflightChecks } from "../../clients/preflight";
import { cdcUserProvider } from "../../providers/cdcUser";
import { sourcePreflightProvider } from "../../providers/sourcePreflight";
import { sourceSchemaProvider } from "../../providers/sourceSchema";
import { PROVIDER_VERSION } from "../../providers/version";
import { MariaDbServer, freePort, startMariaDb } from "../helpers/mariadb";
import { create, del, diff, read, rejection, update } from "./harness";

let db: MariaDbServer;
const admin = () => ({ host: db.host, port: db.port, user: "root", password: "", timeoutMs: 10000, providerVersion: PROVIDER_VERSION });
const sql = (s: string) => withMysql({ host: db.host, port: db.port, user: "root", password: "" }, { timeoutMs: 5000 }, (c) => query(c, s));

beforeAll(async () => {
  db = await startMariaDb({ binlog: true, binlogExpireSeconds: 604800, timeZone: "+00:00", serverId: 7 });
});
afterAll(async () => db.stop());

describe("CdcUser on MariaDB", () => {
  const p = cdcUserProvider;
  const inputs = (extra: Record<string, unknown> = {}) => ({ ...admin(), cdcUser: "flink_cdc", cdcPassword: "cdc-pw-1", ...extra });

  test("create with exactly the CDC grants, no-op, rotation, drift, gone, adopt, delete", async () => {
    const { id, outs } = await create(p, inputs());
    expect(outs).toMatchObject({ missingPrivileges: [], passwordWorks: true });
    const grants = await sql("SHOW GRANTS FOR 'flink_cdc'@'%'");
    expect(String(Object.values(grants[0])[0])).toMatch(/GRANT SELECT, SHOW DATABASES, REPLICATION SLAVE, BINLOG MONITOR ON \*\.\*/);
    expect((await diff(p, id, outs, inputs())).changes).toBe(false);

    expect(await diff(p, id, outs, inputs({ cdcPassword: "cdc-pw-2" }))).toMatchObject({ changes: true, replaces: [] });
    const outs2 = await update(p, id, outs, inputs({ cdcPassword: "cdc-pw-2" }));
    expect(outs2.passwordWorks).toBe(true);
    expect(await diff(p, id, outs, inputs({ cdcUser: "other" }))).toMatchObject({ replaces: ["cdcUser"] });

    await sql("REVOKE REPLICATION SLAVE ON *.* FROM 'flink_cdc'@'%'");
    const r = await read(p, id, outs2);
    expect(r.props.missingPrivileges).toEqual(["REPLICATION SLAVE"]);
    expect((await diff(p, id, r.props, inputs({ cdcPassword: "cdc-pw-2" }))).changes).toBe(true);
    await update(p, id, r.props, inputs({ cdcPassword: "cdc-pw-2" }));
    expect((await read(p, id, outs2)).props.missingPrivileges).toEqual([]);

    await sql("ALTER USER 'flink_cdc'@'%' IDENTIFIED BY 'changed-elsewhere'");
    expect((await read(p, id, outs2)).props.passwordWorks).toBe(false);

    await sql("DROP USER 'flink_cdc'@'%'");
    expect((await read(p, id, outs2)).id).toBe("");
    await create(p, inputs({ cdcPassword: "cdc-pw-2" }));
    const adopted = await create(p, inputs({ cdcPassword: "cdc-pw-2" }));
    expect(adopted.outs.passwordWorks).toBe(true);

    await del(p, id, outs2);
    expect(await sql("SELECT User FROM mysql.user WHERE User = 'flink_cdc'")).toEqual([]);
    await del(p, id, outs2);
  });

  test("errors never contain the password", async () => {
    const err = await rejection(create(p, { ...inputs({ cdcPassword: "pw-in-error" }), password: "bad-admin-pw" }));
    expect(err.message).toMatch(/refused the login for user 'root'/);
    expect(err.message).not.toMatch(/pw-in-error|bad-admin-pw/);
  });
});

describe("SourceSchema on MariaDB", () => {
  const p = sourceSchemaProvider;
  const tables = replicatedTables(["orders", "customers"]).map((t) => t.name);
  const inputs = (extra: Record<string, unknown> = {}) => ({ ...admin(), database: "shop", tables, sampleRows: 5, ...extra });

  test("create with sample rows, idempotent re-run, add a table, drift, gone, delete", async () => {
    const { id, outs } = await create(p, inputs());
    expect(outs.existingTables).toEqual(["cdc_heartbeat", "customers", "orders"]);
    expect(await sql("SELECT COUNT(*) AS n FROM shop.orders")).toEqual([{ n: "5" }]);
    expect(await sql("SELECT COUNT(*) AS n FROM shop.cdc_heartbeat")).toEqual([{ n: "0" }]);
    expect((await diff(p, id, outs, inputs())).changes).toBe(false);
    await create(p, inputs());
    expect(await sql("SELECT COUNT(*) AS n FROM shop.orders")).toEqual([{ n: "5" }]);

    const more = [...tables, "products"];
    expect(await diff(p, id, outs, inputs({ tables: more }))).toMatchObject({ changes: true, replaces: [] });
    const outs2 = await update(p, id, outs, inputs({ tables: more }));
    expect(outs2.existingTables).toContain("products");
    expect(await diff(p, id, outs, inputs({ database: "other" }))).toMatchObject({ replaces: ["database"] });

    await sql("DROP TABLE shop.customers");
    const r = await read(p, id, outs2);
    expect(r.props.existingTables).not.toContain("customers");
    expect((await diff(p, id, r.props, inputs({ tables: more }))).changes).toBe(true);
    await update(p, id, r.props, inputs({ tables: more }));
    expect((await read(p, id, outs2)).props.existingTables).toContain("customers");

    await del(p, id, outs2);
    expect(await sql("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'shop'")).toEqual([]);
    expect((await read(p, id, outs2)).id).toBe("");
    await del(p, id, outs2);
  });

  test("MySQL that never comes up: clear timeout", async () => {
    const port = await freePort();
    const err = await rejection(create(p, { ...inputs(), port, timeoutMs: 800 }));
    expect(err.message).toMatch(new RegExp(`waiting for MySQL source to accept connections at 127.0.0.1:${port}; last seen: .*ECONNREFUSED`));
  });
});

describe("SourcePreflight", () => {
  const p = sourcePreflightProvider;
  const inputs = (server: MariaDbServer, extra: Record<string, unknown> = {}) => ({
    host: server.host, port: server.port, user: "root", password: "", timeZone: "UTC", minBinlogRetentionSeconds: 86400, timeoutMs: 10000, providerVersion: PROVIDER_VERSION, ...extra,
  });

  test("passes on a CDC-ready server; no-op diff; read re-checks", async () => {
    const { id, outs } = await create(p, inputs(db));
    expect(outs.ok).toBe(true);
    expect(outs.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
    expect((await diff(p, id, outs, inputs(db))).changes).toBe(false);
    const r = await read(p, id, outs);
    expect(r.props.ok).toBe(true);
    await del(p, id, outs);
  });

  test("missing grants of the CDC user are named with the fix", async () => {
    await sql("CREATE USER IF NOT EXISTS 'weak_cdc'@'%' IDENTIFIED BY 'x'");
    await sql("GRANT SELECT ON *.* TO 'weak_cdc'@'%'");
    const err = await rejection(create(p, inputs(db, { cdcUser: "weak_cdc" })));
    expect(err.message).toMatch(/grants of 'weak_cdc'@'%': found missing SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT/);
    expect(err.message).toMatch(/GRANT SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON \*\.\* TO 'weak_cdc'@'%'/);
    // ALL PRIVILEGES counts.
    await sql("GRANT ALL PRIVILEGES ON *.* TO 'weak_cdc'@'%'");
    expect((await create(p, inputs(db, { cdcUser: "weak_cdc" }))).outs.ok).toBe(true);
    // A user that does not exist.
    expect((await rejection(create(p, inputs(db, { cdcUser: "nobody" })))).message).toMatch(/grants of 'nobody'@'%'.*cannot read grants/);
  });

  test("wrong time zone: found, needed and fix", async () => {
    const err = await rejection(create(p, inputs(db, { timeZone: "Europe/Berlin" })));
    expect(err.message).toMatch(/time_zone: found \+00:00; needed Europe\/Berlin/);
    expect(err.message).toMatch(/default_time_zone/);
    expect(err.message).toMatch(/no CDC job was submitted/);
  });

  test("binlog off fails with the my.cnf fix", async () => {
    const off = await startMariaDb({ binlog: false, timeZone: "+00:00" });
    try {
      const checks = await runPreflightChecks({ host: off.host, port: off.port, user: "root", password: "" }, { timeZone: "UTC", minBinlogRetentionSeconds: 0 });
      const logBin = checks.find((c) => c.name === "log_bin")!;
      expect(logBin).toMatchObject({ ok: false, found: "OFF", needed: "ON" });
      expect(logBin.fix).toMatch(/log_bin/);
      const err = await rejection(create(p, inputs(off, { minBinlogRetentionSeconds: 0 })));
      expect(err.message).toMatch(/- log_bin: found OFF; needed ON/);
    } finally {
      await off.stop();
    }
  });

  test("wrong format, row image, short retention and zone are all listed at once; refresh shows it", async () => {
    const bad = await startMariaDb({ binlog: true, binlogFormat: "STATEMENT", binlogRowImage: "MINIMAL", binlogExpireSeconds: 3600, timeZone: "+02:00" });
    try {
      const err = await rejection(create(p, inputs(bad)));
      expect(err.message).toMatch(/- binlog_format: found STATEMENT; needed ROW/);
      expect(err.message).toMatch(/- binlog_row_image: found MINIMAL; needed FULL/);
      expect(err.message).toMatch(/- binlog retention: found 3600 s .*; needed at least 86400 s/);
      expect(err.message).toMatch(/- time_zone: found \+02:00; needed UTC/);
      const r = await read(p, "x", inputs(bad));
      expect(r.props.ok).toBe(false);
      expect((await diff(p, "x", r.props, inputs(bad))).changes).toBe(true);
    } finally {
      await bad.stop();
    }
  });
});

describe("evaluatePreflight (pure)", () => {
  const base = {
    version: "8.0.44",
    variables: { log_bin: "ON", binlog_format: "ROW", binlog_row_image: "FULL", binlog_row_value_options: "", server_id: "1", binlog_expire_logs_seconds: "604800", expire_logs_days: "0" },
    timeZone: "SYSTEM", systemTimeZone: "UTC", grantsFor: "'flink_cdc'@'%'",
    grants: ["GRANT SELECT, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO `flink_cdc`@`%`"],
  };
  const expect0 = { timeZone: "UTC", minBinlogRetentionSeconds: 86400 };

  test("MySQL 8 defaults pass; SYSTEM resolves through system_time_zone", () => {
    expect(evaluatePreflight(base, expect0).filter((c) => !c.ok)).toEqual([]);
  });

  test("binlog_row_value_options, server_id 0 and expire_logs_days", () => {
    const checks = evaluatePreflight({ ...base, variables: { ...base.variables, binlog_row_value_options: "PARTIAL_JSON", server_id: "0", binlog_expire_logs_seconds: "0", expire_logs_days: "0.5" } }, expect0);
    const failed = Object.fromEntries(checks.filter((c) => !c.ok).map((c) => [c.name, c.found]));
    expect(failed).toEqual({ binlog_row_value_options: "PARTIAL_JSON", server_id: "0", "binlog retention": "43200 s (expire_logs_days = 0.5)" });
  });
});

describe("connection errors on MariaDB", () => {
  test("a user without privileges on the database it connects to gets a privilege error (errno 1044), not a password hint", async () => {
    await sql("CREATE DATABASE IF NOT EXISTS guarded");
    await sql("CREATE USER IF NOT EXISTS 'outsider'@'%' IDENTIFIED BY 'outsider-pw'");
    const err = await rejection(withMysql({ host: db.host, port: db.port, user: "outsider", password: "outsider-pw", database: "guarded" }, { timeoutMs: 5000, service: "MySQL source" }, (c) => query(c, "SELECT 1")));
    expect(err.name).toBe("DatabaseAccessDeniedError");
    expect(err.message).toMatch(/accepted the login of user 'outsider' but refused database 'guarded'.*lacks privileges on that database \(errno 1044\), the password is fine/);
    expect(err.message).not.toMatch(/Check the user and password/);
    expect(err.message).not.toContain("outsider-pw");
    // A wrong password is still reported as one.
    const wrong = await rejection(withMysql({ host: db.host, port: db.port, user: "outsider", password: "nope" }, { timeoutMs: 5000 }, (c) => query(c, "SELECT 1")));
    expect(wrong.message).toMatch(/refused the login for user 'outsider'.*Check the user and password/);
  });
});
