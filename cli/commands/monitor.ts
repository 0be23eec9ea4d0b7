/**
 * `cdc monitor`: writes a probe row into cdc_heartbeat every interval and reports how long it takes to
 * appear in the sink (freshness), with per-table counts and rates.
 *
 * Modes: dashboard (full screen, default on a terminal), simple (a line per probe, default otherwise),
 * json (an object per line), status (one probe; exit 0 when visible within --max-latency and, when the
 * Flink REST URL is known, every CDC job RUNNING; else 1).
 */
import { HEARTBEAT_TABLE, TableDef } from "../../catalog/tables";
import { Command, CommandResult, JSON_FLAG } from "../command";
import { Context } from "../context";
import { MonitorSnapshot, MonitorTable, renderDashboard, renderSimpleLine } from "../dashboard";
import { describeEndpoint } from "../connections";
import { EXIT, UsageError } from "../errors";
import { LatencyStats, LatencyTracker, SinkPoller } from "../measure";
import { latencyLine, ms } from "../render";
import { insertSql, insertTemplate, streamRange } from "../sql";
import { allocateBase, roundStats, round, sinkPoller } from "../workload";
import { countRows } from "./counts";
import { JobStatus, isHealthy, readJobStates } from "../jobs";

const MODES = ["dashboard", "simple", "json", "status"] as const;
type Mode = (typeof MODES)[number];

export interface StatusData {
  /** failing: the probe was fresh but a CDC job is not RUNNING. */
  status: "fresh" | "stale" | "failing";
  latencyMs: number | null;
  maxLatencySeconds: number;
  /** Each CDC job's state, when the Flink REST URL is known (--flink-url, CDC_FLINK_URL or --stack). */
  jobs?: JobStatus[];
}

export interface MonitorSummary {
  probes: number;
  visible: number;
  staleSnapshots: number;
  latencyMs?: LatencyStats;
}

interface MonitorOptions {
  mode?: Mode;
  json: boolean;
  intervalS: number;
  maxLatencyS: number;
  /** Flink REST URL for the job check of status mode. */
  flinkUrl?: string;
  /** Seconds between row counts (0: never); COUNT(*) on big tables is not free. */
  countsEveryS: number;
}

export const monitorCommand: Command<MonitorOptions> = {
  name: "monitor",
  summary: "probe freshness via cdc_heartbeat: dashboard, simple lines, JSON lines, or one status check",
  usage: ["cdc monitor [--mode dashboard|simple|json|status] [--interval SECONDS] [--max-latency S] [--counts-every SECONDS] [--flink-url URL]"],
  needs: ["source", "sink"],
  flags: [
    { name: "mode", type: "string", value: "MODE", choices: MODES, help: "dashboard (default on a terminal), simple, json or status" },
    { name: "interval", type: "number", value: "SECONDS", help: "seconds between probes (default 2)" },
    { name: "max-latency", type: "number", value: "S", help: "freshness limit in seconds: stale above it (default 10)" },
    { name: "counts-every", type: "number", value: "SECONDS", help: "how often to COUNT(*) each table on both sides for counts and rates (default 10; 0 = never)" },
    { name: "flink-url", type: "string", value: "URL", help: "status mode: the Flink JobManager REST URL, to check every CDC job is RUNNING (default: $CDC_FLINK_URL, or the stack's with --stack)" },
    JSON_FLAG,
  ],
  parse(args) {
    if (args.positionals.length) throw new UsageError(`unexpected argument "${args.positionals[0]}"`, true);
    const intervalS = (args.flags.interval as number | undefined) ?? 2;
    const maxLatencyS = (args.flags["max-latency"] as number | undefined) ?? 10;
    if (intervalS < 0.1) throw new UsageError("--interval must be at least 0.1 seconds");
    if (maxLatencyS <= 0) throw new UsageError("--max-latency must be above 0");
    const countsEveryS = (args.flags["counts-every"] as number | undefined) ?? 10;
    const flinkUrl = args.flags["flink-url"] as string | undefined;
    if (flinkUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(flinkUrl)) throw new UsageError(`--flink-url must be an http(s) URL, e.g. http://127.0.0.1:8081 (got "${flinkUrl}")`);
    return { mode: args.flags.mode as Mode | undefined, json: args.flags.json === true, intervalS, maxLatencyS, countsEveryS, flinkUrl };
  },
  async run(ctx, { mode: chosen, json, intervalS, maxLatencyS, countsEveryS, flinkUrl }): Promise<CommandResult> {
    const mode = chosen ?? (json ? "json" : ctx.out.isTTY ? "dashboard" : "simple");

    const hb = await ctx.heartbeat();
    const tracker = new LatencyTracker();
    const base = await allocateBase(ctx, [hb], 1);
    const poller = await sinkPoller(ctx, [hb], base, tracker);
    const probe = new Prober(ctx, hb, base, tracker);

    if (mode === "status") {
      await probe.send();
      await poller.drain(maxLatencyS * 1000, () => ctx.interrupt.requested);
      const s = tracker.recorder.last;
      const latency = s ? round(s.visibleAt - s.committedAt) : null;
      const fresh = latency !== null && latency <= maxLatencyS * 1000;
      const jobs = await cdcJobs(ctx, flinkUrl);
      const failing = (jobs ?? []).filter((j) => !isHealthy(j));
      const data: StatusData = { status: !fresh ? "stale" : failing.length ? "failing" : "fresh", latencyMs: latency, maxLatencySeconds: maxLatencyS, ...(jobs ? { jobs } : {}) };
      if (ctx.interrupt.requested && latency === null) return { exitCode: EXIT.INTERRUPTED, data, human: "interrupted before the probe was visible" };
      const probeWords =
        fresh
          ? `probe visible in the sink after ${ms(latency ?? 0)} (limit ${maxLatencyS} s)`
          : latency === null
            ? `probe not visible in the sink after ${maxLatencyS} s`
            : `probe took ${ms(latency)} (limit ${maxLatencyS} s)`;
      const jobWords = !jobs
        ? ""
        : failing.length
          ? `; ${failing.length} of ${jobs.length} CDC job(s) not RUNNING: ${failing.map((j) => `${j.name} ${j.state}`).join(", ")} (see the Flink UI; pulumi refresh shows it, pulumi up restores it)`
          : `; all ${jobs.length} CDC job(s) RUNNING`;
      return { exitCode: data.status === "fresh" ? EXIT.OK : EXIT.CHECK_FAILED, data, human: `${data.status}: ${probeWords}${jobWords}` };
    }

    const counts = new Counts(ctx, await ctx.tables(), countsEveryS * 1000);
    const summary = await loop(ctx, { mode, probe, poller, tracker, counts, intervalS, maxLatencyS });
    const human = mode === "json" ? JSON.stringify({ summary }) : renderSummary(summary);
    // The loop only ends with Ctrl+C, which is how a monitor is meant to stop.
    return { exitCode: EXIT.OK, data: { summary }, human: json ? undefined : human };
  },
};

/** The CDC jobs' states when a Flink REST URL is known; undefined otherwise (the probe alone decides). */
async function cdcJobs(ctx: Context, flag: string | undefined): Promise<JobStatus[] | undefined> {
  const ep = ctx.connections.flinkJobs(flag);
  if (!ep) return undefined;
  // Without the stack's job names: the heartbeat's job and those of the tables the command resolves.
  let tables = [HEARTBEAT_TABLE];
  if (!ep.jobs) tables = [...(await ctx.tables().catch(() => [] as TableDef[])).map((t) => t.name), HEARTBEAT_TABLE];
  return readJobStates(ep, tables);
}

class Prober {
  sent = 0;
  private next: bigint;
  private readonly tpl;

  constructor(private readonly ctx: Context, private readonly hb: TableDef, base: bigint, private readonly tracker: LatencyTracker) {
    this.next = streamRange(base, 0).lo;
    this.tpl = insertTemplate(hb, { note: "'cdc monitor'" });
  }

  async send(): Promise<void> {
    const key = this.next++;
    await this.ctx.query("source", insertSql(this.tpl, key, 1));
    this.tracker.register(this.hb.name, 0, key, key, this.ctx.now());
    this.sent++;
  }
}

/** Row counts per table on both sides, refreshed at most every `everyMs`; rates between refreshes. */
class Counts {
  private last?: { at: number; tables: MonitorTable[] };

  constructor(private readonly ctx: Context, private readonly tables: TableDef[], private readonly everyMs: number) {}

  async current(): Promise<MonitorTable[]> {
    if (this.everyMs <= 0) return [];
    const prev = this.last;
    if (prev && this.ctx.now() - prev.at < this.everyMs) return prev.tables;
    const counts = await countRows(this.ctx, this.tables);
    const at = this.ctx.now();
    const dt = prev ? (at - prev.at) / 1000 : 0;
    const tables = counts.tables.map((t, i) => {
      const p = prev?.tables[i];
      return {
        table: t.table,
        source: t.source,
        sink: t.sink,
        difference: t.difference,
        sourceRate: p ? round((t.source - p.source) / dt) : null,
        sinkRate: p ? round((t.sink - p.sink) / dt) : null,
      };
    });
    this.last = { at, tables };
    return tables;
  }
}

interface LoopParts {
  mode: Mode;
  probe: Prober;
  poller: SinkPoller;
  tracker: LatencyTracker;
  counts: Counts;
  intervalS: number;
  maxLatencyS: number;
}

/** Probes kept for the dashboard's sparkline (wider than any terminal). */
const HISTORY_LIMIT = 1000;

async function loop(ctx: Context, { mode, probe, poller, tracker, counts, intervalS, maxLatencyS }: LoopParts): Promise<MonitorSummary> {
  const history: number[] = [];
  let stale = 0;
  const fullScreen = mode === "dashboard" && ctx.out.isTTY;
  if (fullScreen) ctx.out.write("\x1b[?1049h\x1b[?25l");
  poller.start();
  try {
    while (!ctx.interrupt.requested) {
      const started = ctx.now();
      const seenBefore = tracker.recorder.samples;
      await probe.send();
      while (tracker.pendingCount() > 0 && ctx.now() - started < intervalS * 1000 && !ctx.interrupt.requested) await ctx.interrupt.sleep(20);
      if (ctx.interrupt.requested) break;
      const rows = await counts.current();
      const at = ctx.now();
      const mine = tracker.recorder.samples > seenBefore ? tracker.recorder.last : undefined;
      const latency = mine ? round(mine.visibleAt - mine.committedAt) : null;
      const oldest = tracker.oldestPending();
      const last = tracker.recorder.last;
      const freshness = round(oldest !== undefined ? at - oldest : last ? last.visibleAt - last.committedAt : 0);
      const snap: MonitorSnapshot = { time: new Date().toISOString(), probe: probe.sent, latencyMs: latency, freshnessMs: freshness, stale: freshness > maxLatencyS * 1000, tables: rows };
      if (snap.stale) stale++;
      if (latency !== null) {
        history.push(latency);
        // The sparkline shows at most a screen width of probes; a monitor may run for weeks.
        if (history.length > HISTORY_LIMIT) history.splice(0, history.length - HISTORY_LIMIT);
      }
      if (mode === "json") ctx.out.write(JSON.stringify(snap) + "\n");
      else if (mode === "simple" || !fullScreen) ctx.out.write(renderSimpleLine(snap) + "\n");
      else {
        const opts = { maxLatencyS, intervalS, width: ctx.out.columns ?? 80, source: describeEndpoint(ctx.endpoint("source")), sink: describeEndpoint(ctx.endpoint("sink")) };
        ctx.out.write("\x1b[H\x1b[2J" + renderDashboard(snap, history, opts) + "\n");
      }
      await ctx.interrupt.sleep(intervalS * 1000 - (ctx.now() - started));
    }
  } finally {
    if (fullScreen) ctx.out.write("\x1b[?25h\x1b[?1049l");
    await poller.stop().catch(() => undefined);
  }
  return { probes: probe.sent, visible: tracker.recorder.visibleRows, staleSnapshots: stale, latencyMs: roundStats(tracker.recorder.overall().stats()) };
}

function renderSummary(s: MonitorSummary): string {
  return `monitor stopped: ${s.probes} probe(s), ${s.visible} visible, ${s.staleSnapshots} stale snapshot(s); ${latencyLine(s.latencyMs)}`;
}
