import { parseArgs } from "../../cli/args";
import { Connections, describeEndpoint, parseMysqlUrl, readPulumiStack } from "../../cli/connections";
import { UsageError, classify } from "../../cli/errors";
import { commandIndex } from "../../cli/main";

describe("parseMysqlUrl", () => {
  test("decodes URL-encoded credentials and reads host, port, database", () => {
    const ep = parseMysqlUrl("mysql://flink%40cdc:p%40ss%3Aw%2Fo%25rd@db.example:3307/shop", "source", "--source");
    expect(ep).toMatchObject({ user: "flink@cdc", password: "p@ss:w/o%rd", host: "db.example", port: 3307, database: "shop" });
  });
  test("port defaults to 3306; an empty password is allowed", () => {
    expect(parseMysqlUrl("mysql://root@127.0.0.1/shop", "sink", "x")).toMatchObject({ port: 3306, password: "", user: "root" });
  });
  test("IPv6 hosts lose their brackets", () => {
    expect(parseMysqlUrl("mysql://u:p@[::1]:9030/db", "sink", "x").host).toBe("::1");
  });
  test.each([
    ["not a url", /not a URL/],
    ["http://u:p@h:1/db", /scheme must be mysql/],
    ["mysql://u:p@h:1/", /no database/],
    ["mysql://h:1/db", /no user/],
  ])("rejects %s", (url, msg) => {
    expect(() => parseMysqlUrl(url, "source", "--source")).toThrow(msg);
    expect(() => parseMysqlUrl(url, "source", "--source")).toThrow(UsageError);
  });
  test("descriptions never show the password", () => {
    const ep = parseMysqlUrl("mysql://u:topsecret@h:1/db", "source", "--source");
    expect(describeEndpoint(ep)).toBe("source u@h:1/db");
  });
});

describe("Connections precedence", () => {
  const stack = jest.fn(() => ({ sourceUrl: "mysql://s:1@stack-src:1/a", sinkUrl: "mysql://s:1@stack-sink:2/b", tables: ["orders"] }));
  beforeEach(() => stack.mockClear());
  test("flag beats env beats stack, per endpoint", () => {
    const c = new Connections({ source: "mysql://f@flag:1/a", stack: "dev", env: { CDC_SOURCE_URL: "mysql://e@env:1/a", CDC_SINK_URL: "mysql://e@envsink:1/a" }, readStack: stack });
    expect(c.endpoint("source").host).toBe("flag");
    expect(c.endpoint("sink").host).toBe("envsink");
    expect(stack).not.toHaveBeenCalled();
  });
  test("the stack is read once, only when needed", () => {
    const c = new Connections({ stack: "dev", env: {}, readStack: stack });
    expect(c.endpoint("source")).toMatchObject({ host: "stack-src", origin: "stack dev output sourceUrl" });
    expect(c.endpoint("sink").host).toBe("stack-sink");
    expect(c.stackTables()).toEqual(["orders"]);
    expect(stack).toHaveBeenCalledTimes(1);
    expect(stack).toHaveBeenCalledWith("dev");
  });
  test("a missing endpoint says every way to give it", () => {
    const c = new Connections({ env: {} });
    expect(() => c.endpoint("sink")).toThrow("no sink: pass --sink mysql://user:password@host:port/database, set CDC_SINK_URL, or pass --stack NAME");
  });
  test("secrets include raw and encoded passwords for scrubbing", () => {
    const c = new Connections({ source: "mysql://u:a%2Fb@h:1/d", env: {} });
    expect(c.secrets()).toEqual(["a/b", "a%2Fb"]);
    expect(classify(new Error("boom a/b"), c.secrets()).message).toBe("boom ******");
  });
});

describe("errors map to exit codes", () => {
  test.each([
    [{ code: "ECONNREFUSED", message: "connect ECONNREFUSED" }, 3],
    [{ code: "ER_ACCESS_DENIED_ERROR", message: "Access denied" }, 3],
    [{ code: "ER_NO_SUCH_TABLE", message: "no table" }, 2],
    [{ code: "ER_PARSE_ERROR", message: "syntax" }, 4],
  ])("%j -> %i", (e, code) => {
    expect(classify(Object.assign(new Error(e.message), { code: e.code })).exitCode).toBe(code);
  });
});

describe("argument parsing", () => {
  const specs = [
    { name: "duration", short: "d", type: "number" as const, help: "" },
    { name: "json", type: "boolean" as const, help: "" },
    { name: "mode", type: "string" as const, choices: ["a", "b"], help: "" },
  ];
  test("long, short, inline and boolean flags plus positionals", () => {
    expect(parseArgs(["parallel", "-d", "5", "--json", "--mode=b", "x"], specs)).toEqual({ positionals: ["parallel", "x"], flags: { duration: 5, json: true, mode: "b" } });
  });
  test.each([
    [["--nope"], /unknown option --nope/],
    [["-d"], /needs a value/],
    [["-d", "abc"], /must be a non-negative number/],
    [["--mode", "c"], /must be one of a, b/],
  ])("%j is a usage error", (argv, msg) => {
    expect(() => parseArgs(argv, specs)).toThrow(msg);
  });
  test("a repeatable flag collects every value (joined with commas); any other flag keeps the last", () => {
    const more = [...specs, { name: "table", type: "string" as const, repeatable: true, help: "" }];
    expect(parseArgs(["--table", "a", "--table=b,c", "--mode", "a", "--mode", "b"], more).flags).toEqual({ table: "a,b,c", mode: "b" });
  });
  test("the command is found after global options and their values", () => {
    expect(commandIndex(["--source", "mysql://x@h/db", "latency", "single"])).toBe(2);
    expect(commandIndex(["--json"])).toBe(-1);
  });
});

test("--stack reads the catalog output from `pulumi stack output` (what `cdc catalog diff --stack` compares with)", () => {
  const fs = require("fs") as typeof import("fs");
  const os = require("os") as typeof import("os");
  const path = require("path") as typeof import("path");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-fake-pulumi-"));
  const catalog = [{ name: "orders", key: ["order_id"], columns: [{ name: "order_id", type: { kind: "bigint" }, nullable: false }] }];
  const outputs = JSON.stringify({ sourceUrl: "mysql://u:p@127.0.0.1:3306/shop", tables: ["orders"], catalog });
  fs.writeFileSync(path.join(dir, "pulumi"), `#!/bin/sh\ncat <<'EOF'\n${outputs}\nEOF\n`, { mode: 0o755 });
  const env = { ...process.env, CDC_PULUMI: path.join(dir, "pulumi") };
  expect(readPulumiStack("dev", env).catalog).toEqual(catalog);
  expect(new Connections({ stack: "dev", env, readStack: (s) => readPulumiStack(s, env) }).stackCatalog()).toEqual(catalog);
});

describe("--stack when pulumi fails", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runCli } = require("./run-cli") as typeof import("./run-cli");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { pulumiFailure } = require("../../cli/connections") as typeof import("../../cli/connections");
  const fs = require("fs") as typeof import("fs");
  const os = require("os") as typeof import("os");
  const path = require("path") as typeof import("path");

  test("a fake pulumi on PATH that downloads first, then fails: the error is shown, not the download line", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-fake-pulumi-"));
    fs.writeFileSync(
      path.join(dir, "pulumi"),
      [
        "#!/bin/sh",
        "echo 'Downloading pulumi v3.265.0 from the npm registry...' >&2",
        "echo '  42% [=========>          ]' >&2",
        "echo '' >&2",
        "echo \"error: failed to decrypt config for stack 'dev': passphrase hunter2pass is incorrect; source mysql://root:s3cret@db:3306/app\" >&2",
        "exit 255",
      ].join("\n") + "\n",
      { mode: 0o755 },
    );
    const r = await runCli(["counts", "--stack", "dev"], { CDC_PULUMI: "pulumi", PATH: `${dir}:${process.env.PATH}`, PULUMI_CONFIG_PASSPHRASE: "hunter2pass" });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("cdc: --stack dev: pulumi stack output failed: error: failed to decrypt config for stack 'dev': passphrase ****** is incorrect; source mysql://root:******@db:3306/app\n");
  });

  test("without an error: line, the last meaningful lines; nothing at all gives the exit code", () => {
    expect(pulumiFailure("Downloading pulumi...\nsomething went wrong\nreally wrong\n", "", 1)).toBe("something went wrong | really wrong");
    expect(pulumiFailure("Downloading pulumi...\n", "", 3)).toBe("exit 3");
    expect(pulumiFailure("", "error: no stack named 'x' found", 255)).toBe("error: no stack named 'x' found");
  });
});
