/** `cdc counts`: rows per table in source and sink, the difference, and how many are the tool's. */
import { TableDef } from "../../catalog/tables";
import { Command, CommandResult, JSON_FLAG } from "../command";
import { Context } from "../context";
import { EXIT, UsageError } from "../errors";
import { num, table } from "../render";
import { countSql } from "../sql";

export interface TableCount {
  table: string;
  source: number;
  sink: number;
  /** source - sink: rows still on their way (negative: deletes still on their way). */
  difference: number;
  /** Rows in the source written by this tool (keys in the reserved range). */
  toolRows: number;
}

export interface CountsData {
  tables: TableCount[];
  total: { source: number; sink: number; difference: number };
}

export const countsCommand: Command<void> = {
  name: "counts",
  summary: "rows per table in source and sink, and the difference",
  usage: ["cdc counts [--json]"],
  needs: ["source", "sink"],
  flags: [JSON_FLAG],
  parse(args) {
    if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`, true);
  },
  async run(ctx): Promise<CommandResult<CountsData>> {
    const data = await countRows(ctx, await ctx.tables());
    return { exitCode: EXIT.OK, data, human: renderCounts(data) };
  },
};

export async function countRows(ctx: Context, tables: TableDef[]): Promise<CountsData> {
  const count = async (role: "source" | "sink", t: TableDef) => {
    const [r] = await ctx.query<{ n: unknown; tool: unknown }>(role, countSql(t));
    return { n: Number(r.n), tool: Number(r.tool) };
  };
  // One shared connection per endpoint: the queries run one after another on it, source and sink in parallel.
  const [src, snk] = await Promise.all([
    sequential(tables, (t) => count("source", t)),
    sequential(tables, (t) => count("sink", t)),
  ]);
  const rows = tables.map((t, i) => ({ table: t.name, source: src[i].n, sink: snk[i].n, difference: src[i].n - snk[i].n, toolRows: src[i].tool }));
  const sum = (f: (r: TableCount) => number) => rows.reduce((a, r) => a + f(r), 0);
  return { tables: rows, total: { source: sum((r) => r.source), sink: sum((r) => r.sink), difference: sum((r) => r.difference) } };
}

async function sequential<T, R>(items: T[], f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const x of items) out.push(await f(x));
  return out;
}

export function renderCounts(d: CountsData): string {
  return table(
    ["table", "source", "sink", "difference", "tool rows"],
    [
      ...d.tables.map((t) => [t.table, num(t.source), num(t.sink), num(t.difference), num(t.toolRows)]),
      ["total", num(d.total.source), num(d.total.sink), num(d.total.difference), ""],
    ],
  );
}
