/**
 * Throwaway MariaDB servers for tests: a temp datadir, a free loopback port, binlog on or off.
 * Real servers from Debian's mariadb-server package, not fakes.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { trackProcess } from "./processRegistry";

export interface MariaDbOptions {
  /** Turn the binlog on (log_bin, ROW format, FULL row image) as mysql-cdc requires. Default true. */
  binlog?: boolean;
  binlogFormat?: "ROW" | "STATEMENT" | "MIXED";
  binlogRowImage?: "FULL" | "MINIMAL" | "NOBLOB";
  serverId?: number;
  /** binlog_expire_logs_seconds. */
  binlogExpireSeconds?: number;
  timeZone?: string;
  /** Extra mariadbd command-line options. */
  extraArgs?: string[];
}

export interface MariaDbServer {
  host: string;
  port: number;
  /** root over TCP, no password (the server only listens on loopback). */
  user: string;
  password: string;
  datadir: string;
  stop(): Promise<void>;
  /** Stop the process but keep the datadir, so start() can bring the same server back. */
  pause(): Promise<void>;
  start(): Promise<void>;
}

export function mariadbAvailable(): boolean {
  return spawnSync("sh", ["-c", "command -v mariadbd || test -x /usr/sbin/mariadbd"]).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function mariadbdPath(): string {
  return fs.existsSync("/usr/sbin/mariadbd") ? "/usr/sbin/mariadbd" : "mariadbd";
}

export async function startMariaDb(opts: MariaDbOptions = {}): Promise<MariaDbServer> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-mariadb-"));
  const datadir = path.join(base, "data");
  fs.mkdirSync(datadir);
  const asRoot = process.getuid?.() === 0;
  const install = spawnSync("mariadb-install-db", [
    // Each server's own tmpdir: bootstraps running side by side (other test processes) must not share /tmp files.
    `--datadir=${datadir}`, `--tmpdir=${base}`, "--auth-root-authentication-method=normal", "--skip-test-db", "--no-defaults",
    ...(asRoot ? ["--user=root"] : []),
  ], { encoding: "utf8" });
  if (install.status !== 0) throw new Error(`mariadb-install-db failed: ${install.stderr || install.stdout}`);

  const port = await freePort();
  const binlog = opts.binlog ?? true;
  const args = [
    "--no-defaults", `--datadir=${datadir}`, `--tmpdir=${base}`, `--port=${port}`, "--bind-address=127.0.0.1",
    `--socket=${path.join(base, "mysqld.sock")}`, `--pid-file=${path.join(base, "mysqld.pid")}`,
    "--skip-name-resolve", "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M",
    `--server-id=${opts.serverId ?? 1}`,
    ...(asRoot ? ["--user=root"] : []),
    ...(binlog ? [`--log-bin=${path.join(base, "binlog")}`, `--binlog-format=${opts.binlogFormat ?? "ROW"}`, `--binlog-row-image=${opts.binlogRowImage ?? "FULL"}`] : []),
    ...(opts.binlogExpireSeconds !== undefined ? [`--binlog-expire-logs-seconds=${opts.binlogExpireSeconds}`] : []),
    ...(opts.timeZone ? [`--default-time-zone=${opts.timeZone}`] : []),
    ...(opts.extraArgs ?? []),
  ];
  let child: ChildProcess | undefined;
  let log = "";
  const start = async () => {
    log = "";
    child = spawn(mariadbdPath(), args, { stdio: ["ignore", "pipe", "pipe"] });
    // Recorded until it exits, so a script's Ctrl+C stops it (mariadbd ignores SIGINT; tests/helpers/processRegistry.ts).
    child.once("exit", trackProcess(child.pid, `mariadbd 127.0.0.1:${port}`));
    child.stdout?.on("data", (d) => (log += d));
    child.stderr?.on("data", (d) => (log += d));
    await waitForPort(port, 30000, () => (child?.exitCode !== null ? `mariadbd exited: ${log}` : undefined));
  };
  const pause = async () => {
    if (!child || child.exitCode !== null) return;
    const c = child;
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill("SIGTERM");
      setTimeout(() => c.kill("SIGKILL"), 15000).unref();
    });
  };
  await start();
  return {
    host: "127.0.0.1", port, user: "root", password: "", datadir,
    start, pause,
    stop: async () => {
      await pause();
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, timeoutMs: number, failed: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = failed();
    if (why) throw new Error(why);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => { s.destroy(); resolve(true); });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`mariadbd did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
