/**
 * The rows of the StarRocks STAND-IN live in a real MariaDB (binlog off): every table the stand-in's FE
 * creates is mirrored there with the same database, table, columns and primary key, so a Primary Key
 * table's upsert is a REPLACE and a `__op`=1 row is a DELETE by key. Tests and the `cdc` CLI read the
 * rows back with ordinary SQL. It is not StarRocks: no tablets, versions, compaction or publish cost.
 */
import type { FakeColumn, FakeDdlEvent, FakeTable } from "../../fakes/starrocksFe";
import { MariaDbServer, startMariaDb } from "../../helpers/mariadb";
import { mariaDbType, parseType } from "./types";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mysql = require("mysql2/promise");

/** One row of a load: op 0 = upsert, 1 = delete (StarRocks' `__op`); values by column name. */
export interface LoadRow {
  op: 0 | 1;
  values: Record<string, string | null>;
}

const q = (s: string) => "`" + s.replace(/`/g, "``") + "`";

/** The MariaDB column for a StarRocks column as the FE fake keeps it (type rules: types.ts). */
function columnSql(c: FakeColumn, key: boolean): string {
  return `${q(c.name)} ${mariaDbType(parseType(c.type), key)} ${c.nullable ? "NULL" : "NOT NULL"}`;
}

/** MariaDB error numbers that mean "this row's data does not fit the table" (StarRocks filters such rows). */
const DATA_ERRORS = new Set([1048, 1264, 1265, 1292, 1366, 1406, 1411, 1364]);

export class DataError extends Error {}

export class Store {
  /** pool: statements with a database; bare: statements with none (its connections never USE one). */
  private constructor(readonly server: MariaDbServer, private readonly pool: any, private readonly bare: any) {}

  static async start(): Promise<Store> {
    const server = await startMariaDb({ binlog: false, extraArgs: ["--character-set-server=utf8mb4", "--collation-server=utf8mb4_bin"] });
    const options = {
      host: server.host, port: server.port, user: server.user, password: server.password,
      supportBigNumbers: true, bigNumberStrings: true, dateStrings: true, timezone: "Z",
    };
    return new Store(server, mysql.createPool({ ...options, connectionLimit: 8 }), mysql.createPool({ ...options, connectionLimit: 2 }));
  }

  async stop(): Promise<void> {
    await this.pool.end().catch(() => undefined);
    await this.bare.end().catch(() => undefined);
    await this.server.stop();
  }

  /** Mirrors a metadata change of the FE into the store. */
  async apply(e: FakeDdlEvent): Promise<void> {
    switch (e.kind) {
      case "databaseCreated":
        return this.exec(`CREATE DATABASE IF NOT EXISTS ${q(e.db)}`);
      case "databaseDropped":
        return this.exec(`DROP DATABASE IF EXISTS ${q(e.db)}`);
      case "tableCreated":
        await this.exec(`CREATE DATABASE IF NOT EXISTS ${q(e.db)}`);
        return this.exec(this.createSql(e.db, e.table, e.def));
      case "tableDropped":
        return this.exec(`DROP TABLE IF EXISTS ${q(e.db)}.${q(e.table)}`);
      case "columnAdded":
        return this.exec(`ALTER TABLE ${q(e.db)}.${q(e.table)} ADD COLUMN ${columnSql(e.column, false)}${e.after ? ` AFTER ${q(e.after)}` : ""}`);
      case "columnDropped":
        return this.exec(`ALTER TABLE ${q(e.db)}.${q(e.table)} DROP COLUMN ${q(e.column)}`);
    }
  }

  createSql(db: string, table: string, def: FakeTable): string {
    const cols = def.columns.map((c) => columnSql(c, def.keys.includes(c.name)));
    return `CREATE TABLE ${q(db)}.${q(table)} (${cols.join(", ")}, PRIMARY KEY (${def.keys.map(q).join(", ")})) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;
  }

  private async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  /**
   * Applies the rows of one load in order, in one MariaDB transaction: runs of upserts become one
   * REPLACE (a full-row upsert, as a non-partial StarRocks load), runs of deletes one DELETE by key.
   * Throws DataError when a value does not fit (StarRocks would filter the row and fail the load).
   */
  async applyRows(db: string, table: string, def: FakeTable, columns: string[], rows: LoadRow[]): Promise<void> {
    const conn = await this.pool.getConnection();
    try {
      await conn.query("START TRANSACTION");
      let i = 0;
      while (i < rows.length) {
        const op = rows[i].op;
        let j = i;
        while (j < rows.length && rows[j].op === op && j - i < 500) j++;
        const run = rows.slice(i, j);
        if (op === 0) {
          const placeholders = `(${columns.map(() => "?").join(", ")})`;
          await conn.query(
            `REPLACE INTO ${q(db)}.${q(table)} (${columns.map(q).join(", ")}) VALUES ${run.map(() => placeholders).join(", ")}`,
            run.flatMap((r) => columns.map((c) => r.values[c] ?? null)),
          );
        } else {
          const key = def.keys;
          const tuple = key.length === 1 ? "?" : `(${key.map(() => "?").join(", ")})`;
          const lhs = key.length === 1 ? q(key[0]) : `(${key.map(q).join(", ")})`;
          await conn.query(`DELETE FROM ${q(db)}.${q(table)} WHERE ${lhs} IN (${run.map(() => tuple).join(", ")})`,
            run.flatMap((r) => key.map((k) => r.values[k] ?? null)));
        }
        i = j;
      }
      await conn.query("COMMIT");
    } catch (err) {
      await conn.query("ROLLBACK").catch(() => undefined);
      const e = err as { errno?: number; message: string };
      if (e.errno && DATA_ERRORS.has(e.errno)) throw new DataError(e.message);
      throw err;
    } finally {
      conn.release();
    }
  }

  /**
   * Runs an ordinary statement for a client of the stand-in, in the client's current database, and
   * returns the raw text values with MariaDB's column metadata (so types survive the relay).
   */
  async relay(sql: string, database: string | undefined): Promise<{ fields?: any[]; rows?: (string | null)[][]; affectedRows?: number; insertId?: number }> {
    const conn = await (database ? this.pool : this.bare).getConnection();
    try {
      if (database) await conn.query(`USE ${q(database)}`);
      const [result, fields] = await conn.query({ sql, rowsAsArray: true, typeCast: (field: any) => field.string() });
      if (Array.isArray(result)) return { fields, rows: result as (string | null)[][] };
      return { affectedRows: result.affectedRows, insertId: result.insertId };
    } finally {
      conn.release();
    }
  }
}
