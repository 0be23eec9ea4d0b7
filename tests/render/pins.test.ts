/** assets/flink/pins.txt: one truth for the Flink version and the jars, read by the image build, the tier and config. */
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CONFIG_SCHEMA } from "../../config";
import { flinkPins, parsePins } from "../../render/pins";

const root = path.join(__dirname, "..", "..");
const fetchScript = path.join(root, "assets", "flink", "fetch-jars.sh");

test("pins name Flink 1.20.3 and the connector jars the image and the tier install", () => {
  const pins = flinkPins();
  expect(pins.flinkVersion).toBe("1.20.3");
  const coords = pins.jars.map((j) => `${j.group}:${j.artifact}:${j.version} ${j.dir} ${j.usedBy}`);
  expect(coords).toEqual([
    "org.apache.flink:flink-sql-connector-mysql-cdc:3.5.0 lib both",
    "com.starrocks:flink-connector-starrocks:1.2.10_flink-1.19 lib both",
    "com.mysql:mysql-connector-j:8.0.33 lib both",
    "org.apache.flink:flink-sql-gateway:1.20.3 opt tier",
    "org.apache.flink:flink-s3-fs-presto:1.20.0 plugins/s3-fs-presto tier",
  ]);
  expect(CONFIG_SCHEMA.flinkImage.default).toBe("flink:1.20.3-scala_2.12-java17");
});

test("the Dockerfile installs the jars through pins.txt and fetch-jars.sh, with no version of its own", () => {
  const dockerfile = fs.readFileSync(path.join(root, "assets", "flink", "Dockerfile"), "utf8");
  expect(dockerfile).toMatch(/COPY pins\.txt fetch-jars\.sh /);
  expect(dockerfile).toMatch(/fetch-jars\.sh \S+pins\.txt \/opt\/flink image/);
  for (const jar of flinkPins().jars) expect(dockerfile).not.toContain(jar.version === "1.20.3" ? jar.file : jar.version);
});

test("a malformed pins line is refused with its line number", () => {
  expect(() => parsePins("flink 1.20.3\njar a:b:1 nothex lib both\n")).toThrow(/line 2/);
  expect(() => parsePins("jar a:b:1 " + "0".repeat(64) + " lib both\n")).toThrow(/no "flink <version>"/);
});

describe("fetch-jars.sh", () => {
  // A file:// Maven repository, so the script's download, verification and skip run without a network.
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-pins-"));
  const repo = path.join(base, "repo");
  const jarBytes = Buffer.from("not really a jar");
  fs.mkdirSync(path.join(repo, "org", "example", "demo", "1.0"), { recursive: true });
  fs.writeFileSync(path.join(repo, "org", "example", "demo", "1.0", "demo-1.0.jar"), jarBytes);
  const goodSha = crypto.createHash("sha256").update(jarBytes).digest("hex");
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  const run = (sha: string, use: string, consumer: string) => {
    const home = fs.mkdtempSync(path.join(base, "home-"));
    const pins = path.join(home, "pins.txt");
    fs.writeFileSync(pins, `flink 1.20.3\njar org.example:demo:1.0 ${sha} plugins/demo ${use}\n`);
    const go = () => spawnSync("sh", [fetchScript, pins, home, consumer, `file://${repo}`], { encoding: "utf8" });
    return { home, go };
  };

  test("installs a verified jar once, then skips it", () => {
    const { home, go } = run(goodSha, "tier", "tier");
    const first = go();
    expect(first.status).toBe(0);
    expect(first.stdout).toContain("plugins/demo/demo-1.0.jar installed, sha256 ok");
    expect(fs.readFileSync(path.join(home, "plugins", "demo", "demo-1.0.jar"))).toEqual(jarBytes);
    const second = go();
    expect(second.status).toBe(0);
    expect(second.stdout).toContain("present, sha256 ok");
  });

  test("fails on a checksum mismatch and leaves no jar behind", () => {
    const { home, go } = run("f".repeat(64), "both", "image");
    const r = go();
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`demo-1.0.jar .* has sha256 ${goodSha}, pins.txt says f{64}`));
    expect(fs.existsSync(path.join(home, "plugins", "demo", "demo-1.0.jar"))).toBe(false);
  });

  test("skips jars meant for the other consumer", () => {
    const { home, go } = run(goodSha, "tier", "image");
    expect(go().status).toBe(0);
    expect(fs.existsSync(path.join(home, "plugins", "demo"))).toBe(false);
  });
});
