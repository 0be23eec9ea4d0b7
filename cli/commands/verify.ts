/**
 * `cdc verify`: compares every replicated table between the source and the sink, key by key and column by
 * column, each value by its catalog type's mapping (catalog/compare.ts). Reads only.
 *
 * Both sides are read in key order in batches (keyset pagination), one batch ahead, and merged
 * (cli/rowdiff.ts), so memory holds a few batches however large a table is. A difference may be a change
 * still in flight: after all tables are scanned, differing rows are read again until they agree or have
 * kept their source value for longer than the pipeline's lag, measured on the rows that did converge.
 */
import type { Connection } from "mysql2/promise";
import { TableDef, arrivalOf } from "../../catalog/tables";
import { Command, CommandResult, JSON_FLAG } from "../command";
import { Context, endpointError } from "../context";
import { Role } from "../connections";
import { EXIT, UsageError } from "../errors";
import { Progress, ms, num, rate, table } from "../render";
import {
  DEFAULT_RECHECK, DiffCollector, DiffSample, LagEstimate, RecheckOptions, Row, RowShape, keysetBatches, mergeCompare, recheck,
} from "../rowdiff";
import { verifyBatchSql, verifyColumns, verifyKeysSql } from "../sql";

export interface TableVerify {
  table: string;
  equal: boolean;
  sourceRows: number;
  sinkRows: number;
  /** Keys present on both sides. */
  rowsCompared: number;
  onlyInSource: number;
  onlyInSink: number;
  /** Keys on both sides with at least one value that differs. */
  different: number;
  /** The first differences (up to --sample-limit), with the differing columns and both values. */
  samples: DiffSample[];
  recheck: { rechecked: number; converged: number; notRechecked: number };
  seconds: number;
  rowsPerSec: number;
}

export interface VerifyData {
  equal: boolean;
  tables: TableVerify[];
  /** Slowest time a re-checked row took to agree (the pipeline's lag as measured here), ms; null if none did. */
  measuredLagMs: number | null;
  seconds: number;
  interrupted: boolean;
}

interface VerifyOptions {
  tables?: string[];
  sampleLimit: number;
  batch: number;
  recheckLimit: number;
  recheck: RecheckOptions;
}

export const verifyCommand: Command<VerifyOptions> = {
  name: "verify",
  summary: "compare every row and value of the replicated tables between source and sink (reads only)",
  usage: ["cdc verify [--table T]... [--sample-limit N] [--batch N] [--settle S] [--max-wait S] [--json]"],
  needs: ["source", "sink"],
  flags: [
    { name: "table", type: "string", value: "T", repeatable: true, help: "verify only this table (repeatable, or A,B); default: every replicated table" },
    { name: "sample-limit", type: "integer", value: "N", help: "differences shown per table (default 10; the counts are always exact)" },
    { name: "batch", type: "integer", value: "N", help: "rows per query on each side (default 5000): memory holds about four batches" },
    { name: "settle", type: "number", value: "S", help: "while no differing row has caught up (no lag measured), how long one must stay unchanged before it is reported (default 15)" },
    { name: "max-wait", type: "number", value: "S", help: "longest time spent re-checking differences (default 120)" },
    JSON_FLAG,
  ],
  parse(args) {
    if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`, true);
    const tables = (args.flags.table as string | undefined)?.split(",").map((s) => s.trim()).filter(Boolean);
    const sampleLimit = (args.flags["sample-limit"] as number | undefined) ?? 10;
    const batch = (args.flags.batch as number | undefined) ?? 5000;
    if (batch < 1 || batch > 1_000_000) throw new UsageError("--batch must be between 1 and 1000000");
    const settleS = (args.flags.settle as number | undefined) ?? DEFAULT_RECHECK.settleMs / 1000;
    const maxWaitS = (args.flags["max-wait"] as number | undefined) ?? DEFAULT_RECHECK.maxWaitMs / 1000;
    if (maxWaitS < settleS) throw new UsageError("--max-wait must be at least --settle");
    return {
      tables,
      sampleLimit,
      batch,
      recheckLimit: 10_000,
      recheck: { ...DEFAULT_RECHECK, settleMs: settleS * 1000, maxWaitMs: maxWaitS * 1000 },
    };
  },
  async run(ctx, opts): Promise<CommandResult<VerifyData>> {
    const tables = selectTables(await ctx.tables(), opts.tables);
    const data = await verifyTables(ctx, tables, opts);
    const exitCode = data.interrupted ? EXIT.INTERRUPTED : data.equal ? EXIT.OK : EXIT.CHECK_FAILED;
    return { exitCode, data, human: renderVerify(data) };
  },
};

/**
 * Keys that arrive in StarRocks as something else (bytes as base64, BIT as a reordered integer, JSON,
 * spatial values) sort differently on the two sides and cannot be looked up on one side with the other
 * side's value, so the merge and the re-check would report false differences. Refused rather than guessed.
 */
const UNSUPPORTED_KEY_ARRIVALS = new Set(["base64", "bit-integer", "json", "geojson"]);

export function unsupportedKey(t: TableDef): string | undefined {
  const c = t.key.map((k) => t.columns.find((x) => x.name === k)!).find((x) => UNSUPPORTED_KEY_ARRIVALS.has(arrivalOf(x).kind));
  return c && `table ${t.name}: key column ${c.name} arrives in StarRocks as ${arrivalOf(c).kind}, which verify cannot merge or look up by key; leave the table out with --table`;
}

function selectTables(replicated: TableDef[], wanted?: string[]): TableDef[] {
  for (const w of wanted ?? []) {
    if (!replicated.some((t) => t.name === w)) throw new UsageError(`--table ${w}: not a replicated table here (tables: ${replicated.map((t) => t.name).join(", ")})`);
  }
  const chosen = wanted ? replicated.filter((t) => wanted.includes(t.name)) : replicated;
  for (const t of chosen) {
    const why = unsupportedKey(t);
    if (why) throw new UsageError(why);
  }
  return chosen;
}

/** Runs one read on a side's connection with rows as arrays, naming the endpoint on failure. */
async function readRows(ctx: Context, role: Role, conn: Connection, sql: string): Promise<Row[]> {
  try {
    const [rows] = await conn.query({ sql, rowsAsArray: true });
    return rows as unknown as Row[];
  } catch (err) {
    throw endpointError(ctx.endpoint(role), err);
  }
}

interface Scanned {
  t: TableDef;
  shape: RowShape;
  collector: DiffCollector;
  sourceRows: number;
  sinkRows: number;
  ms: number;
}

/** Chunks of keys per lookup statement during the re-check. */
const LOOKUP_CHUNK = 500;

export async function verifyTables(ctx: Context, tables: TableDef[], opts: VerifyOptions): Promise<VerifyData> {
  const started = ctx.now();
  // The shared connection of each side: one statement at a time on each, both sides in parallel.
  const conns = { source: await ctx.conn("source"), sink: await ctx.conn("sink") };
  const progress = ctx.err.isTTY && !ctx.global.json ? new Progress(ctx.err) : undefined;
  const stop = () => ctx.interrupt.requested;

  const scanned: Scanned[] = [];
  for (const t of tables) {
    if (stop()) break;
    const shape: RowShape = { columns: verifyColumns(t), keyWidth: t.key.length };
    const collector = new DiffCollector(shape, { sampleLimit: opts.sampleLimit, recheckLimit: opts.recheckLimit });
    const t0 = ctx.now();
    let read = 0;
    let lastDraw = 0;
    const side = (role: Role) =>
      keysetBatches(async (after) => {
        const rows = await readRows(ctx, role, conns[role], verifyBatchSql(t, role, after?.slice(0, t.key.length), opts.batch));
        if (progress) {
          read += rows.length;
          const now = ctx.now();
          if (now - lastDraw > 200) {
            lastDraw = now;
            progress.update(`verify ${t.name}: ${num(read)} rows read, ${rate((read / Math.max(now - t0, 1)) * 1000)} rows/s`);
          }
        }
        return rows;
      }, opts.batch);
    const r = await mergeCompare(shape, side("source"), side("sink"), collector.visitor(ctx.now), stop);
    scanned.push({ t, shape, collector, sourceRows: r.sourceRows, sinkRows: r.sinkRows, ms: ctx.now() - t0 });
  }
  progress?.done();

  // Re-check after every table is scanned: the rows that differed early have had the whole scan to settle.
  const lag = new LagEstimate();
  const out: TableVerify[] = [];
  for (const s of scanned) {
    const t0 = ctx.now();
    if (progress && s.collector.pending.size) progress.update(`verify ${s.t.name}: re-checking ${num(s.collector.pending.size)} differing rows`);
    const rc = await recheck(
      s.collector,
      {
        read: async (role, keys) => {
          const rows: Row[] = [];
          for (let i = 0; i < keys.length; i += LOOKUP_CHUNK) rows.push(...(await readRows(ctx, role, conns[role], verifyKeysSql(s.t, keys.slice(i, i + LOOKUP_CHUNK)))));
          return rows;
        },
        now: ctx.now,
        sleep: (msec) => ctx.interrupt.sleep(msec),
        stop,
      },
      lag,
      opts.recheck,
    );
    const c = s.collector;
    const seconds = (s.ms + ctx.now() - t0) / 1000;
    out.push({
      table: s.t.name,
      equal: c.onlySource + c.onlySink + c.different === 0,
      sourceRows: s.sourceRows,
      sinkRows: s.sinkRows,
      rowsCompared: c.compared,
      onlyInSource: c.onlySource,
      onlyInSink: c.onlySink,
      different: c.different,
      samples: c.samples,
      recheck: { rechecked: rc.rechecked, converged: rc.converged, notRechecked: c.notRechecked },
      seconds: round3(seconds),
      rowsPerSec: Math.round(Math.max(s.sourceRows, s.sinkRows) / Math.max(s.ms / 1000, 1e-3)),
    });
  }
  progress?.done();
  const interrupted = stop();
  return {
    // A table cut short by Ctrl+C was not compared in full: never "equal".
    equal: !interrupted && out.length === tables.length && out.every((t) => t.equal),
    tables: out,
    measuredLagMs: lag.slowestMs === undefined ? null : Math.round(lag.slowestMs),
    seconds: round3((ctx.now() - started) / 1000),
    interrupted,
  };
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function keyText(key: Record<string, string | null>): string {
  return Object.entries(key).map(([k, v]) => `${k}=${v ?? "NULL"}`).join(", ");
}

function valueText(v: string | null): string {
  if (v === null) return "NULL";
  const cut = v.length > 60 ? v.slice(0, 59) + "…" : v;
  return JSON.stringify(cut);
}

/** One line per sample: what differs, by key, with the first differing columns and both values. */
export function renderSample(s: DiffSample): string {
  const where = keyText(s.key);
  const tail = s.stillChanging ? " (the source was still changing it)" : "";
  if (s.kind === "onlySource") return `  only in source  ${where}${tail}`;
  if (s.kind === "onlySink") return `  only in sink    ${where}${tail}`;
  const cols = s.columns ?? [];
  const shown = cols.slice(0, 3).map((c) => `${c.column}: source ${valueText(c.source)}, sink ${valueText(c.sink)}`);
  const more = cols.length > 3 ? `; and ${cols.length - 3} more column(s)` : "";
  return `  different       ${where}: ${shown.join("; ")}${more}${tail}`;
}

export function renderVerify(d: VerifyData): string {
  const lines = [
    table(
      ["table", "source rows", "sink rows", "only in source", "only in sink", "different", "time"],
      d.tables.map((t) => [t.table, num(t.sourceRows), num(t.sinkRows), num(t.onlyInSource), num(t.onlyInSink), num(t.different), ms(t.seconds * 1000)]),
    ),
  ];
  for (const t of d.tables) {
    if (t.equal) continue;
    const total = t.onlyInSource + t.onlyInSink + t.different;
    lines.push("", `${t.table}: ${num(total)} row(s) differ${t.samples.length < total ? ` (first ${t.samples.length} shown)` : ""}`);
    lines.push(...t.samples.map(renderSample));
  }
  const rechecked = d.tables.reduce((a, t) => a + t.recheck.rechecked, 0);
  const converged = d.tables.reduce((a, t) => a + t.recheck.converged, 0);
  const skipped = d.tables.reduce((a, t) => a + t.recheck.notRechecked, 0);
  if (rechecked || skipped) {
    let line = `re-checked ${num(rechecked)} row(s) that differed during the scan: ${num(converged)} caught up`;
    if (d.measuredLagMs !== null) line += ` (slowest after ${ms(d.measuredLagMs)})`;
    if (skipped) line += `; ${num(skipped)} more reported without a re-check (too many differences)`;
    lines.push("", line);
  }
  const rows = d.tables.reduce((a, t) => a + t.rowsCompared, 0);
  const bad = d.tables.filter((t) => !t.equal).length;
  lines.push(
    d.interrupted
      ? `interrupted after ${d.tables.length} table(s); the figures above are partial`
      : bad === 0
        ? `equal: ${d.tables.length} table(s), ${num(rows)} rows, every value as mapped, in ${ms(d.seconds * 1000)}`
        : `DIFFERENT: ${bad} of ${d.tables.length} table(s) differ (${ms(d.seconds * 1000)})`,
  );
  return lines.join("\n");
}
