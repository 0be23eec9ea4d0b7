/**
 * What every command gets: resolved connections, output streams, the interrupt flag and the tables.
 */
import type { Connection } from "mysql2/promise";
import { TABLES, TableDef, findTable, HEARTBEAT_TABLE } from "../catalog/tables";
import { CliError, UsageError } from "./errors";
import { Connections, Endpoint, Role, connect, connectionFailure, describeEndpoint } from "./connections";
import { LIST_TABLES_SQL } from "./sql";
import { readSourceSchema } from "../clients/mysql";

export interface Output {
  write(text: string): void;
  isTTY: boolean;
  columns?: number;
  rows?: number;
}

/** Ctrl+C: the first one asks the running command to stop and summarise; main handles a second one. */
export class Interrupt {
  requested = false;
  private readonly waiters = new Set<() => void>();

  trigger(): void {
    this.requested = true;
    for (const w of [...this.waiters]) w();
    this.waiters.clear();
  }

  /** Sleeps `ms`, waking early on interrupt. */
  sleep(ms: number): Promise<void> {
    if (this.requested || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }
}

export interface GlobalFlags {
  json: boolean;
  tables?: string;
}

export class Context {
  private readonly open = new Map<Role, Promise<Connection>>();
  private readonly extra: Connection[] = [];
  private resolvedTables?: Promise<TableDef[]>;

  constructor(
    readonly connections: Connections,
    readonly global: GlobalFlags,
    readonly out: Output,
    readonly err: Output,
    readonly interrupt: Interrupt,
    /** Monotonic clock in ms (performance.now()). */
    readonly now: () => number = () => performance.now(),
  ) {}

  endpoint(role: Role): Endpoint {
    return this.connections.endpoint(role);
  }

  /** The shared connection to an endpoint, opened on first use. */
  conn(role: Role): Promise<Connection> {
    let c = this.open.get(role);
    if (!c) {
      const ep = this.endpoint(role);
      c = connect(ep);
      this.open.set(role, c);
    }
    return c;
  }

  /** A further connection (writers, pollers); closed by close(). */
  async newConn(role: Role): Promise<Connection> {
    const c = await connect(this.endpoint(role));
    this.extra.push(c);
    return c;
  }

  /** Runs a query on an endpoint, turning a lost connection into a ConnectionError naming it. */
  async query<T = Record<string, unknown>>(role: Role, sql: string, conn?: Connection): Promise<T[]> {
    const c = conn ?? (await this.conn(role));
    try {
      const [rows] = await c.query(sql);
      return rows as T[];
    } catch (err) {
      throw endpointError(this.endpoint(role), err);
    }
  }

  /** Runs a data-changing statement; returns the affected row count. */
  async exec(role: Role, sql: string): Promise<number> {
    const res = (await this.query(role, sql)) as unknown as { affectedRows: number };
    return res.affectedRows;
  }

  /**
   * Replicated user tables, in catalog order: --tables, else the stack's `tables` output, else the
   * catalog's tables present in both source and sink (the heartbeat table is the monitor's, never loaded).
   */
  tables(needSink = true): Promise<TableDef[]> {
    if (!this.resolvedTables) this.resolvedTables = this.resolveTables(needSink);
    return this.resolvedTables;
  }

  /** The heartbeat table, which must exist in source and sink. */
  async heartbeat(): Promise<TableDef> {
    for (const role of ["source", "sink"] as const) {
      const names = await this.tableNames(role);
      if (!names.has(HEARTBEAT_TABLE)) throw new UsageError(`${role} database ${this.endpoint(role).database} has no ${HEARTBEAT_TABLE} table; deploy the stack (it creates and replicates it)`);
    }
    return findTable(HEARTBEAT_TABLE);
  }

  /**
   * The named tables of the source's own database (catalog: source) as the CLI needs them: name and key,
   * marked fromSource, so no command writes rows into them.
   */
  private async sourceTables(names: string[]): Promise<TableDef[]> {
    const ep = this.endpoint("source");
    const schema = await readSourceSchema(await this.conn("source"), ep.database ?? "").catch((err) => {
      throw endpointError(ep, err);
    });
    return names.map((name) => {
      if (!schema.tables.some((t) => t.TABLE_NAME === name)) {
        throw new UsageError(`unknown table "${name}": neither a demo table (${TABLES.filter((x) => !x.internal).map((x) => x.name).join(", ")}) nor a table of source database ${ep.database}`);
      }
      const key = schema.primaryKeys.filter((k) => k.TABLE_NAME === name).sort((a, b) => Number(a.SEQ_IN_INDEX) - Number(b.SEQ_IN_INDEX)).map((k) => k.COLUMN_NAME);
      return { name, key, columns: [], description: `Table ${ep.database}.${name} of the source.`, fromSource: true };
    });
  }

  async close(): Promise<void> {
    const all = [...this.extra];
    for (const p of this.open.values()) all.push(await p.catch(() => undefined as never));
    await Promise.all(all.filter(Boolean).map((c) => c.end().catch(() => c.destroy())));
    this.open.clear();
    this.extra.length = 0;
  }

  private async tableNames(role: Role): Promise<Set<string>> {
    const rows = await this.query<{ name: string }>(role, LIST_TABLES_SQL);
    return new Set(rows.map((r) => r.name));
  }

  private async resolveTables(needSink: boolean): Promise<TableDef[]> {
    const explicit = this.global.tables?.split(",").map((s) => s.trim()).filter(Boolean) ?? this.connections.stackTables();
    if (explicit) {
      const demo = TABLES.filter((t) => !t.internal && explicit.includes(t.name));
      const others = explicit.filter((name) => !TABLES.some((t) => t.name === name));
      if (!others.length) return demo;
      // A stack with catalog: source replicates the source's own tables: found in the source's information_schema.
      const found = await this.sourceTables(others);
      return explicit.map((name) => demo.find((t) => t.name === name) ?? found.find((t) => t.name === name)).filter((t): t is TableDef => !!t);
    }
    const source = await this.tableNames("source");
    const sink = needSink ? await this.tableNames("sink") : source;
    const found = TABLES.filter((t) => !t.internal && source.has(t.name) && sink.has(t.name));
    if (found.length === 0) {
      throw new UsageError(`no catalog table (${TABLES.filter((t) => !t.internal).map((t) => t.name).join(", ")}) exists in both ${this.endpoint("source").database} and the sink; check the URLs or pass --tables`);
    }
    return found;
  }
}

/**
 * Names the endpoint in a failed statement's error: a lost connection becomes a ConnectionError (exit 3);
 * a server error keeps its code (so errors.ts still maps it) with the endpoint in front of the message.
 */
export function endpointError(ep: Endpoint, err: unknown): unknown {
  const code = (err as { code?: string }).code;
  if (code && ["PROTOCOL_CONNECTION_LOST", "ECONNRESET", "EPIPE", "ECONNREFUSED", "ETIMEDOUT"].includes(code)) return connectionFailure(ep, err);
  if (!(err instanceof Error) || err instanceof CliError) return err;
  return Object.assign(new Error(`${describeEndpoint(ep)}: ${err.message}`), { code });
}

/**
 * Commands that write rows (latency, load, bench, cleanup) work on the demo tables only: they never write
 * into, or delete from, a table of the user's own database (catalog: source).
 */
export function writableTables(tables: TableDef[], command: string): TableDef[] {
  const own = tables.filter((t) => t.fromSource);
  if (own.length) {
    throw new UsageError(
      `\`cdc ${command}\` writes rows into the tables it works on, and ${own.map((t) => t.name).join(", ")} ${own.length > 1 ? "are tables" : "is a table"} of your own database: ` +
        `this tool never writes into them. Measure freshness with \`cdc monitor\` (it writes only to cdc_heartbeat) and compare rows with \`cdc counts\`.`,
    );
  }
  return tables;
}

/** Requires a table to be replicated, e.g. `orders` for `latency single`. */
export function requireTable(tables: TableDef[], name: string): TableDef {
  const t = tables.find((x) => x.name === name);
  if (!t) throw new UsageError(`table ${name} is not replicated here (tables: ${tables.map((x) => x.name).join(", ")})`);
  return t;
}
