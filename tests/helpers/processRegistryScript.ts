/**
 * A small long-running script for tests/helpers/processRegistry.test.ts: starts one MariaDB (tests/helpers/mariadb.ts)
 * and one detached process group (a shell with two sleeping children) through the registry, installs
 * onExitSignals, prints `READY <json>` with every PID it started, and waits for a signal.
 *   --cleanup     the exit cleanup stops the MariaDB itself (else the registry must stop it)
 *   --no-signals  no onExitSignals: what the bench did before (the control case of the test)
 */
import { startMariaDb } from "./mariadb";
import { onExitSignals, spawnTracked, trackedProcesses } from "./processRegistry";

async function main(): Promise<void> {
  const db = await startMariaDb({ binlog: false });
  const group = spawnTracked("sleepers", "sh", ["-c", "sleep 600 & sleep 600 & wait"], { group: true, stdio: "ignore" });
  if (!process.argv.includes("--no-signals")) onExitSignals(process.argv.includes("--cleanup") ? () => db.stop() : () => undefined, { label: "registry-script", graceMs: 5000 });
  process.stdout.write(`READY ${JSON.stringify({ tracked: trackedProcesses(), group: group.pid, port: db.port })}\n`);
  setInterval(() => undefined, 60_000);
}

main().catch((err) => {
  process.stderr.write(`registry-script failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
