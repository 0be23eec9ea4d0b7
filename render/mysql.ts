/**
 * MySQL-side SQL rendered from the catalog: source schema, sample rows, the CDC user and its grants.
 * The DDL works on MySQL 8 and MariaDB 10.11 (the tests apply it to MariaDB).
 */
import { Column, ColumnType, TableDef } from "../catalog/tables";
import { account, quoteIdent, quoteString } from "./sql";

export function mysqlType(t: ColumnType): string {
  switch (t.kind) {
    case "bigint": return "BIGINT";
    case "int": return "INT";
    case "varchar": return `VARCHAR(${t.length})`;
    case "decimal": return `DECIMAL(${t.precision},${t.scale})`;
    case "datetime": return "DATETIME(3)";
    // A source column: its own MySQL type, as information_schema reported it.
    case "mapped": return t.mysql;
  }
}

function columnDef(c: Column): string {
  return `  ${quoteIdent(c.name)} ${mysqlType(c.type)}${c.nullable ? " NULL" : " NOT NULL"}`;
}

export function createDatabaseSql(database: string): string {
  return `CREATE DATABASE IF NOT EXISTS ${quoteIdent(database)}`;
}

export function createTableSql(database: string, t: TableDef): string {
  const lines = t.columns.map(columnDef);
  lines.push(`  PRIMARY KEY (${t.key.map(quoteIdent).join(", ")})`);
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(database)}.${quoteIdent(t.name)} (\n${lines.join(",\n")}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;
}

/** Deterministic sample value for row n (1-based) of a column, so re-runs insert the same rows. */
export function sampleValue(t: TableDef, c: Column, n: number): string | number {
  if (t.key.includes(c.name)) return n;
  switch (c.type.kind) {
    case "bigint":
    case "int":
      return c.name.endsWith("_id") ? ((n * 7) % 50) + 1 : (n % 20) + 1;
    case "decimal":
      return Number((((n * 37) % 9000) / 10 + 1).toFixed(2));
    case "varchar": {
      const s = `${c.name}_${n}`;
      return s.slice(0, c.type.length);
    }
    case "datetime": {
      const d = new Date(Date.UTC(2024, 0, 1) + n * 3_600_000);
      return d.toISOString().replace("T", " ").replace("Z", "");
    }
    case "mapped":
      // Sample rows go only into the managed demo schema; a source's own tables are never written.
      throw new Error(`column ${c.name}: sample rows exist only for the demo tables`);
  }
}

/** INSERT IGNORE of rows 1..count, so applying it twice changes nothing. */
export function sampleRowsSql(database: string, t: TableDef, count: number): string | undefined {
  if (count <= 0 || t.internal) return undefined;
  const cols = t.columns.map((c) => quoteIdent(c.name)).join(", ");
  const rows: string[] = [];
  for (let n = 1; n <= count; n++) {
    rows.push(`(${t.columns.map((c) => literal(sampleValue(t, c, n))).join(", ")})`);
  }
  return `INSERT IGNORE INTO ${quoteIdent(database)}.${quoteIdent(t.name)} (${cols}) VALUES\n${rows.join(",\n")}`;
}

function literal(v: string | number): string {
  return typeof v === "number" ? String(v) : quoteString(v);
}

/** The source schema as one script (render output and docs). */
export function schemaScript(database: string, tables: TableDef[], sampleRows: number): string {
  const stmts = [createDatabaseSql(database), ...tables.map((t) => createTableSql(database, t))];
  for (const t of tables) {
    const rows = sampleRowsSql(database, t, sampleRows);
    if (rows) stmts.push(rows);
  }
  return stmts.map((s) => s + ";").join("\n\n") + "\n";
}

/**
 * Global privileges mysql-cdc needs with incremental snapshot (the default): reading tables, listing
 * databases and reading the binlog. RELOAD and LOCK TABLES are only for the legacy snapshot.
 * Source: Flink CDC 3.2 mysql-cdc docs ("Create MySQL user"), MySqlValidator.
 */
export const CDC_PRIVILEGES = ["SELECT", "SHOW DATABASES", "REPLICATION SLAVE", "REPLICATION CLIENT"] as const;

export function createCdcUserSql(user: string, password: string): string {
  return `CREATE USER IF NOT EXISTS ${account(user)} IDENTIFIED BY ${quoteString(password)}`;
}

export function alterCdcUserPasswordSql(user: string, password: string): string {
  return `ALTER USER ${account(user)} IDENTIFIED BY ${quoteString(password)}`;
}

export function grantCdcSql(user: string): string {
  return `GRANT ${CDC_PRIVILEGES.join(", ")} ON *.* TO ${account(user)}`;
}

export function dropCdcUserSql(user: string): string {
  return `DROP USER IF EXISTS ${account(user)}`;
}

/** users.sql as rendered by `npm run render` (password as a placeholder). */
export function usersScript(user: string, passwordPlaceholder: string): string {
  return [createCdcUserSql(user, passwordPlaceholder), grantCdcSql(user)].map((s) => s + ";").join("\n") + "\n";
}
