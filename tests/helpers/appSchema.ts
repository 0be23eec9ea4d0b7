/** A small "user's own database" for source-catalog tests: one table per case the catalog must handle. */
import { schemaScript } from "../../render/mysql";
import { findTable } from "../../catalog/tables";

export const APP_SCHEMA = [
  "CREATE DATABASE app",
  `CREATE TABLE app.accounts (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL, balance DECIMAL(12,2), created DATETIME(6),
    flags BIT(12), photo BLOB, opens TIME(3), secret VARCHAR(10)) DEFAULT CHARSET=utf8mb4`,
  "CREATE TABLE app.order_lines (order_id INT NOT NULL, line SMALLINT NOT NULL, sku CHAR(20), PRIMARY KEY (order_id, line)) DEFAULT CHARSET=utf8mb4",
  "CREATE TABLE app.audit_log (host VARCHAR(64) NOT NULL, ts DATETIME(3) NOT NULL, msg TEXT) DEFAULT CHARSET=utf8mb4",
  "CREATE TABLE app.wide_keys (a VARCHAR(100) NOT NULL, b VARCHAR(100) NOT NULL, PRIMARY KEY (a, b)) DEFAULT CHARSET=utf8mb4",
  "CREATE TABLE app.float_key (f DOUBLE NOT NULL PRIMARY KEY)",
  "CREATE TABLE app.gadgets (id INT NOT NULL PRIMARY KEY, u UUID)",
  "CREATE VIEW app.v_accounts AS SELECT id FROM app.accounts",
];

/** The heartbeat table the stack's own DDL creates (sql/mysql/schema.sql of a source catalog). */
export const HEARTBEAT_DDL = schemaScript("app", [findTable("cdc_heartbeat")], 0).split(";\n").filter((s) => /CREATE TABLE/.test(s))[0];

