/**
 * The real-Flink tier's config.yaml is the Docker deployment's rendered Flink options with only addresses, ports
 * and paths replaced, so the real cluster checks the same keys and values the containers get.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { resolveConfig } from "../../config";
import { flinkProperties } from "../../render/flink";
import { tierConfigYaml } from "../real/harness/cluster";

test("tier config.yaml = rendered options, with only addresses, ports and paths replaced", () => {
  // A distribution stand-in holding just the default config.yaml's Java 17 options (nested form, as 1.20 ships it).
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-flink-home-"));
  fs.mkdirSync(path.join(home, "conf"));
  fs.writeFileSync(path.join(home, "conf", "config.yaml"), "env:\n  java:\n    opts:\n      all: --add-opens=java.base/java.lang=ALL-UNNAMED\n");
  const s3 = { endpoint: "http://127.0.0.1:9999", accessKey: "a", secretKey: "s", region: "us-east-1", bucket: "starrocks-cdc", server: "moto" };
  const { text, checkpointDir } = tierConfigYaml({ flinkHome: home, ports: { rest: 1001, rpc: 1002, gateway: 1003, s3: 9999 }, s3 });
  fs.rmSync(home, { recursive: true, force: true });
  const tier: Record<string, string> = YAML.parse(text);

  const rendered = Object.fromEntries(flinkProperties(resolveConfig({}, { stack: "real-tier" }), "taskmanager", { accessKey: "a", secretKey: "s" }));
  const replaced = [
    "jobmanager.rpc.address", "rest.address", "rest.port", "rest.bind-address", "s3.endpoint", "taskmanager.host",
    "sql-gateway.endpoint.rest.address", "sql-gateway.endpoint.rest.bind-address", "sql-gateway.endpoint.rest.port",
  ];
  for (const [k, v] of Object.entries(rendered)) {
    expect(tier).toHaveProperty([k]);
    if (!replaced.includes(k)) expect([k, tier[k]]).toEqual([k, v]);
  }
  expect(Object.keys(tier).filter((k) => !(k in rendered)).sort()).toEqual(["env.java.opts.all", "jobmanager.bind-host", "jobmanager.rpc.port", "taskmanager.bind-host"]);
  expect(tier["env.java.opts.all"]).toBe("--add-opens=java.base/java.lang=ALL-UNNAMED");
  expect(tier["rest.port"]).toBe("1001");
  expect(tier["s3.endpoint"]).toBe("http://127.0.0.1:9999");
  for (const k of ["rest.bind-address", "sql-gateway.endpoint.rest.bind-address", "jobmanager.bind-host", "taskmanager.bind-host"]) expect(tier[k]).toBe("127.0.0.1");
  expect(checkpointDir).toBe("s3://starrocks-cdc/flink/checkpoints");
});
