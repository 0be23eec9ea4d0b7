/**
 * Test environment of the `real` project: Node's, plus, when a test or hook fails, the error lines the
 * Flink and S3 logs gained while it ran (so a CI log shows why the real cluster refused something).
 */
import { TestEnvironment } from "jest-environment-node";
import { logExcerpt, logOffsets } from "./cluster";
import { tierState } from "./index";

type CircusEvent = { name: string; test?: { name: string; failing?: boolean }; hook?: { type: string } };

export default class RealTierEnvironment extends TestEnvironment {
  private offsets: Record<string, number> = {};

  async handleTestEvent(event: CircusEvent): Promise<void> {
    const s = tierState();
    if ("skipped" in s) return;
    if (event.name === "test_start" || event.name === "run_start") this.offsets = logOffsets(s.logDir);
    // A test.failing test is expected to fail: its logs are no news.
    if ((event.name === "test_fn_failure" && !event.test?.failing) || event.name === "hook_failure") {
      const what = event.test ? `test "${event.test.name}"` : `${event.hook?.type ?? "a"} hook`;
      const lines = logExcerpt(s.logDir, { since: this.offsets, max: 80 });
      process.stderr.write(`\n── real-Flink tier logs (${s.logDir}) written during ${what} ──\n${lines || "(no error lines)"}\n────\n`);
    }
  }
}
