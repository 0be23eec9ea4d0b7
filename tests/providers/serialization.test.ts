/**
 * Providers are serialized by value into the Pulumi provider process: they must capture no client and no
 * @pulumi/pulumi (deployment-only). This serializes each one the way dynamic.Resource does.
 */
import * as pulumi from "@pulumi/pulumi";
import { bucketProvider } from "../../providers/bucket";
import { cdcJobProvider } from "../../providers/cdcJob";
import { cdcUserProvider } from "../../providers/cdcUser";
import { computeNodeProvider } from "../../providers/computeNode";
import { databaseProvider } from "../../providers/database";
import { loaderUserProvider } from "../../providers/loaderUser";
import { diffByPolicy } from "../../providers/policy";
import { rootPasswordProvider } from "../../providers/rootPassword";
import { sourcePreflightProvider } from "../../providers/sourcePreflight";
import { sourceSchemaProvider } from "../../providers/sourceSchema";
import { storageVolumeProvider } from "../../providers/storageVolume";
import { tableProvider } from "../../providers/table";
import { scrub } from "../../clients/scrub";
import * as http from "http";
import { MariaDbServer, freePort, startMariaDb } from "../helpers/mariadb";
import { S3Server, startS3 } from "../helpers/s3";
import { Provider, rejection, serializedCopy } from "./harness";
import { unboundNames } from "./unboundNames";

const providers = { bucketProvider, cdcJobProvider, cdcUserProvider, computeNodeProvider, databaseProvider, loaderUserProvider, rootPasswordProvider, sourcePreflightProvider, sourceSchemaProvider, storageVolumeProvider, tableProvider };

describe("provider serialization", () => {
  for (const [name, provider] of Object.entries(providers)) {
    test(`${name} serializes without capturing @pulumi/pulumi or a client`, async () => {
      const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: false });
      expect(sf.text).not.toMatch(/require\("@pulumi\/pulumi"\)/);
      expect(sf.text).toMatch(/require\("mysql2\/promise"\)|require\("minio"\)/);
    });
  }
});

/**
 * The serialized copies, loaded back as the provider host loads them, driven through their error paths against
 * real servers (MariaDB with a wrong password, s3rver with a wrong key, an HTTP server answering errors) and a
 * closed port. Every error must be an Error naming the host and what failed: never a ReferenceError (a name the
 * serializer did not capture), never `undefined` (an error class whose message the serializer dropped), never a
 * retry until the timeout on a refused login (a Set the serializer copied as an empty object).
 */
/** True when err's prototype chain reaches the Error.prototype of any realm. */
function isError(err: unknown): boolean {
  for (let p = err === null || typeof err !== "object" ? null : Object.getPrototypeOf(err); p; p = Object.getPrototypeOf(p)) {
    if (p.constructor?.name === "Error" && p.constructor.prototype === p && typeof p.constructor.captureStackTrace === "function") return true;
  }
  return false;
}

/**
 * The shapes the closure serializer cannot carry, in the sources the providers are serialized from: an error class
 * extending Error directly (its copy has no message and is no Error; clients/errors.ts), an error class without an
 * explicit constructor (its copy drops the arguments), a module-level Set or Map (copied as an empty object).
 */
describe("sources the providers are serialized from", () => {
  const ts = require("typescript") as typeof import("typescript");
  const fs = require("fs") as typeof import("fs");
  const path = require("path") as typeof import("path");
  const root = path.join(__dirname, "../..");
  const files = ["clients", "providers", "render"].flatMap((d) => fs.readdirSync(path.join(root, d)).filter((f) => f.endsWith(".ts")).map((f) => `${d}/${f}`));

  test("error classes extend CdcError with an explicit constructor; no module-level Set or Map", () => {
    const problems: string[] = [];
    for (const file of files) {
      const sf = ts.createSourceFile(file, fs.readFileSync(path.join(root, file), "utf8"), ts.ScriptTarget.ES2022, true);
      for (const st of sf.statements) {
        if (ts.isClassDeclaration(st)) {
          const base = st.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression.getText(sf);
          if (!base) continue;
          const name = st.name?.text ?? "(anonymous)";
          if (base === "Error" && file !== "clients/errors.ts") problems.push(`${file}: class ${name} extends Error directly (extend CdcError from clients/errors.ts)`);
          if (!st.members.some((m) => ts.isConstructorDeclaration(m))) problems.push(`${file}: class ${name} has no explicit constructor`);
        }
        if (ts.isVariableStatement(st)) {
          for (const d of st.declarationList.declarations) {
            if (d.initializer && ts.isNewExpression(d.initializer) && /^(Set|Map|WeakMap|WeakSet)$/.test(d.initializer.expression.getText(sf))) {
              problems.push(`${file}: module-level ${d.initializer.expression.getText(sf)} ${d.name.getText(sf)} (use an array or a plain object)`);
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe("serialized providers, loaded as the provider host loads them", () => {
  const copies: Record<string, { text: string; provider: Provider }> = {};
  let db: MariaDbServer;
  let s3: S3Server;
  let closedPort: number;
  let flinkErrors: http.Server;
  let flinkErrorsUrl: string;

  beforeAll(async () => {
    for (const [name, provider] of Object.entries(providers)) copies[name] = await serializedCopy(provider);
    [db, s3, closedPort] = await Promise.all([startMariaDb({ binlog: true, timeZone: "+00:00" }), startS3(), freePort()]);
    // Answers every request the way a failing JobManager / SQL Gateway does: HTTP 500 with Flink's `errors` list.
    flinkErrors = http.createServer((_req, res) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: ["org.apache.flink.runtime.rest.handler.RestHandlerException: JobManager lost its leadership"] }));
    });
    await new Promise<void>((r) => flinkErrors.listen(0, "127.0.0.1", r));
    flinkErrorsUrl = `http://127.0.0.1:${(flinkErrors.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await Promise.all([db?.stop(), s3?.stop(), new Promise((r) => (flinkErrors ? flinkErrors.close(r) : r(undefined)))]);
  });

  /** The error is a real Error whose message names the cause, not a lost name or a lost message. */
  function expectCause(err: Error, cause: RegExp): void {
    // The copy runs in Node's own context (require-from-string), outside Jest's sandbox, so its Error is not this
    // file's Error: check that the prototype chain reaches an Error.prototype.
    expect(isError(err)).toBe(true);
    expect(typeof err.message).toBe("string");
    expect(err.message).not.toMatch(/is not defined|ReferenceError|Cannot read properties|incompatible receiver|^undefined$/);
    expect(err.message).toMatch(cause);
  }

  test("every free name of every serialized provider is bound (no name the serializer left out)", () => {
    const texts = Object.fromEntries(Object.entries(copies).map(([n, c]) => [n, c.text]));
    expect(unboundNames(texts)).toEqual(Object.fromEntries(Object.keys(texts).map((n) => [n, []])));
  });

  const sql = () => ({ host: db.host, port: db.port, user: "root", timeoutMs: 20_000 });
  /** Inputs that pass each SQL provider's check; the endpoint is filled in per case. */
  const sqlInputs: Record<string, Record<string, unknown>> = {
    cdcUserProvider: { cdcUser: "flink_cdc", cdcPassword: "cdc-pw" },
    computeNodeProvider: { nodeHost: "cn-0" },
    databaseProvider: { database: "analytics" },
    loaderUserProvider: { loaderUser: "flink_loader", loaderPassword: "loader-pw", database: "analytics" },
    rootPasswordProvider: {},
    sourcePreflightProvider: { timeZone: "UTC", minBinlogRetentionSeconds: 0 },
    sourceSchemaProvider: { database: "app", tables: ["orders"] },
    storageVolumeProvider: { name: "cdc_volume", location: "s3://cdc-bucket/data", endpoint: "http://127.0.0.1:9000", region: "us-east-1", accessKey: "ak-1", secretKey: "sk-1" },
    tableProvider: { database: "analytics", definition: { name: "orders", key: ["id"], columns: [{ name: "id", type: "BIGINT", nullable: false }] } },
  };
  const service = (name: string) => (/cdcUser|sourcePreflight|sourceSchema/.test(name) ? "MySQL source" : "StarRocks FE");

  for (const name of Object.keys(sqlInputs)) {
    test(`${name}: a wrong password fails at once, naming the host, the user and the refusal`, async () => {
      const p = copies[name].provider;
      const checked = await p.check!({}, { ...sql(), password: "wrong-pw", ...sqlInputs[name] });
      expect(checked.failures ?? []).toEqual([]);
      const started = Date.now();
      if (name === "rootPasswordProvider") {
        // Read reports a refused root password as drift (passwordWorks false), not as an error.
        const r = await p.read!("root", checked.inputs);
        expect(r.props?.passwordWorks).toBe(false);
      } else {
        const err = await rejection(name === "sourcePreflightProvider" ? p.create(checked.inputs) : p.read!("id", checked.inputs));
        expectCause(err, new RegExp(`${service(name)} at ${db.host}:${db.port} refused the login for user 'root': Access denied`));
        expect(err.message).not.toMatch(/wrong-pw/);
      }
      // No retry: the timeout is 20 s, a refused login answers in well under that.
      expect(Date.now() - started).toBeLessThan(5000);
    });

    test(`${name}: an unreachable host is retried, then named with the last error`, async () => {
      const p = copies[name].provider;
      const checked = await p.check!({}, { ...sql(), port: closedPort, password: "pw", timeoutMs: 1500, ...sqlInputs[name] });
      const err = await rejection(p.read!("id", checked.inputs));
      expectCause(err, new RegExp(`timed out after 2s waiting for ${service(name)} to accept connections at 127.0.0.1:${closedPort}; last seen: .*ECONNREFUSED`));
    });
  }

  test("sourcePreflightProvider: a server that comes up late is waited for (transient errors still retry)", async () => {
    const p = copies.sourcePreflightProvider.provider;
    const checked = await p.check!({}, { ...sql(), password: "", ...sqlInputs.sourcePreflightProvider });
    await db.pause();
    const restart = new Promise((r) => setTimeout(r, 1500)).then(() => db.start());
    const r = await p.read!("id", checked.inputs);
    await restart;
    expect(r.props?.checks).toEqual(expect.arrayContaining([expect.objectContaining({ name: "log_bin", ok: true })]));
  });

  test("bucketProvider: a wrong key fails at once naming the endpoint; an unreachable one times out naming it", async () => {
    const p = copies.bucketProvider.provider;
    const inputs = (over: Record<string, unknown>) => p.check!({}, { endpoint: s3.endpoint, accessKey: "NOT-A-KEY", secretKey: "not-the-secret", bucket: "cdc-bucket", timeoutMs: 20_000, ...over });
    const started = Date.now();
    const denied = await rejection(p.read!("cdc-bucket", (await inputs({})).inputs));
    expectCause(denied, new RegExp(`MinIO at ${s3.endpoint} rejected the credentials while trying to check bucket "cdc-bucket": .*(AccessDenied|InvalidAccessKeyId)`));
    expect(denied.message).not.toMatch(/not-the-secret/);
    expect(Date.now() - started).toBeLessThan(5000);
    const gone = await rejection(p.create((await inputs({ endpoint: `http://127.0.0.1:${closedPort}`, timeoutMs: 1500 })).inputs));
    expectCause(gone, new RegExp(`timed out after 2s waiting for MinIO to create bucket "cdc-bucket" at http://127.0.0.1:${closedPort}; last seen: .*ECONNREFUSED`));
  });

  test("cdcJobProvider: an unreachable JobManager and one answering errors are named, with Flink's error", async () => {
    const p = copies.cdcJobProvider.provider;
    const props = (url: string) => ({ gatewayUrl: url, restUrl: url, pipelineName: "cdc-orders", table: "orders", jobId: "a1b2c3d4e5f60718293a4b5c6d7e8f90", timeoutMs: 1500, statements: ["INSERT INTO x SELECT * FROM y"], cdcPassword: "cdc-secret-pw" });
    const gone = await rejection(p.read!("cdc-orders", props(`http://127.0.0.1:${closedPort}`)));
    expectCause(gone, new RegExp(`Flink JobManager at http://127.0.0.1:${closedPort}/jobs/a1b2c3d4e5f60718293a4b5c6d7e8f90 is unreachable: .*ECONNREFUSED`));
    const failing = await rejection(p.read!("cdc-orders", props(flinkErrorsUrl)));
    expectCause(failing, /Flink JobManager answered GET .*\/jobs\/a1b2c3d4e5f60718293a4b5c6d7e8f90 with HTTP 500: .*JobManager lost its leadership/);
    expect(`${gone.message} ${failing.message}`).not.toMatch(/cdc-secret-pw/);
  });
});

describe("shared diff helper", () => {
  test("ignore / update / replace, unknowns count as changed", () => {
    const policy = { a: "ignore", b: "update", c: "replace" } as const;
    expect(diffByPolicy({ a: 1, b: 1, c: 1 }, { a: 2, b: 1, c: 1 }, policy)).toEqual({ changes: false, replaces: [], updates: [] });
    expect(diffByPolicy({ a: 1, b: 1, c: 1 }, { a: 1, b: 2, c: 1 }, policy)).toEqual({ changes: true, replaces: [], updates: ["b"] });
    expect(diffByPolicy({ a: 1, b: 1, c: 1 }, { a: 1, b: 1, c: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }, policy)).toEqual({ changes: true, replaces: ["c"], updates: [], deleteBeforeReplace: true });
    expect(diffByPolicy({ x: [1, { y: 2 }] }, { x: [1, { y: 2 }] }, {}).changes).toBe(false);
  });

  test("scrub removes secrets and password literals", () => {
    expect(scrub("ALTER USER 'u'@'%' IDENTIFIED BY 'p''w' failed", [])).toBe("ALTER USER 'u'@'%' IDENTIFIED BY '******' failed");
    expect(scrub("SET PASSWORD = PASSWORD('abc')")).toBe("SET PASSWORD = PASSWORD('******')");
    expect(scrub("key hunter2 leaked", ["hunter2"])).toBe("key ****** leaked");
  });
});
