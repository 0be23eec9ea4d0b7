/**
 * Contract of clients/flink.ts against Flink 1.20.1's published OpenAPI specs (tests/fixtures/flink-openapi):
 * - every request in FLINK_REQUESTS (method, path, path parameters, body fields, query parameters) exists in
 *   the spec, and the client sends every query parameter the spec marks required;
 * - every request the client actually makes against the Flink fake is one of FLINK_REQUESTS;
 * - the fake's success responses validate against the spec's response schemas, except FetchResults, whose
 *   generated schema differs from the wire (see ORIGIN.md): for it the wire names are checked instead.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { FLINK_REQUESTS, FlinkClient, FlinkRequestSpec } from "../../clients/flink";
import { FlinkFake } from "../fakes/flink";

const DIR = path.join(__dirname, "..", "fixtures", "flink-openapi");
const CHECKSUMS: Record<string, string> = {
  "rest_v1_dispatcher.yml": "35f5613c06465733764495613366dda66d1de890fdb92411b0e3b6acd02a4027",
  "rest_v2_sql_gateway.yml": "207eeefab0456c94a0298990cdcfefa6d04d7faf18918aa8069c76cc19e6e0b1",
  "rest_v3_sql_gateway.yml": "99d7534372e8d5a62890b70ba203f520aeb9818a7e4b502a0d186f97b77144cc",
};

function load(file: string): any {
  return parse(fs.readFileSync(path.join(DIR, file), "utf8"));
}

const specs = {
  dispatcher: load("rest_v1_dispatcher.yml"),
  v2: load("rest_v2_sql_gateway.yml"),
  v3: load("rest_v3_sql_gateway.yml"),
};

function resolve(doc: any, node: any): any {
  while (node && node.$ref) {
    const parts = String(node.$ref).replace(/^#\//, "").split("/");
    node = parts.reduce((o: any, k: string) => o?.[k], doc);
  }
  return node;
}

const entries = Object.entries(FLINK_REQUESTS) as Array<[string, FlinkRequestSpec]>;

describe("spec fixtures", () => {
  test.each(Object.entries(CHECKSUMS))("%s is the unchanged upstream file", (file, sum) => {
    const actual = crypto.createHash("sha256").update(fs.readFileSync(path.join(DIR, file))).digest("hex");
    expect(actual).toBe(sum);
  });
});

describe("every request of the client exists in the spec", () => {
  const cases: Array<[string, string, FlinkRequestSpec]> = [];
  for (const [name, spec] of entries) {
    if (spec.service === "gateway") {
      cases.push([name, "v3", spec], [name, "v2", spec]);
    } else cases.push([name, "dispatcher", spec]);
  }
  test.each(cases)("%s (%s)", (_name, which, spec) => {
    const doc = (specs as any)[which];
    const pathItem = doc.paths[spec.path];
    expect(pathItem).toBeDefined();
    const op = pathItem[spec.method.toLowerCase()];
    expect(op).toBeDefined();
    const params: any[] = (op.parameters ?? []).map((p: any) => resolve(doc, p));
    // Path parameters of the template are declared, by the same names.
    const templateParams = [...spec.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    expect(params.filter((p) => p.in === "path").map((p) => p.name).sort()).toEqual(templateParams.sort());
    // Query parameters sent are declared; required ones are sent; enum values match (case-insensitively for
    // the termination mode, which Flink upper-cases before parsing).
    const query = spec.query ?? {};
    for (const [k, v] of Object.entries(query)) {
      const p = params.find((x) => x.in === "query" && x.name === k);
      expect(p).toBeDefined();
      const schema = resolve(doc, p.schema);
      if (schema?.enum) expect(schema.enum.map((e: string) => e.toUpperCase())).toContain(v.toUpperCase());
    }
    for (const p of params.filter((x) => x.in === "query" && x.required)) expect(Object.keys(query)).toContain(p.name);
    // Body fields exist in the request schema.
    if (spec.body?.length) {
      const schema = resolve(doc, op.requestBody?.content?.["application/json"]?.schema);
      expect(schema?.properties).toBeDefined();
      for (const field of spec.body) expect(Object.keys(schema.properties)).toContain(field);
    } else {
      expect(op.requestBody === undefined || !spec.body).toBe(true);
    }
    // The documented success status is the one the client expects.
    expect(Object.keys(op.responses)).toContain(String(spec.okStatus));
  });

  test("a wrong entry would be caught (the spec is really consulted)", () => {
    expect(specs.dispatcher.paths["/jobs/{jobid}/stop"].post).toBeDefined();
    const stopBody = resolve(specs.dispatcher, specs.dispatcher.paths["/jobs/{jobid}/stop"].post.requestBody.content["application/json"].schema);
    expect(Object.keys(stopBody.properties)).not.toContain("target-directory");
    const spBody = resolve(specs.dispatcher, specs.dispatcher.paths["/jobs/{jobid}/savepoints"].post.requestBody.content["application/json"].schema);
    expect(Object.keys(spBody.properties)).not.toContain("targetDirectory");
    expect(specs.dispatcher.paths["/jobs/{jobid}/cancel"]).toBeUndefined();
  });
});

// ------------------------------------------------------------------ responses

function templateRegex(template: string): RegExp {
  return new RegExp("^" + template.replace(/\{\w+\}/g, "[^/]+") + "$");
}

/** The FLINK_REQUESTS entry a recorded request belongs to. */
function matchEntry(service: string, method: string, reqPath: string): [string, FlinkRequestSpec] | undefined {
  const p = service === "gateway" ? reqPath.replace(/^\/v[123]/, "") : reqPath;
  // Literal templates first: /jobs/overview must not be taken for /jobs/{jobid}.
  const ordered = [...entries].sort(([, a], [, b]) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0));
  return ordered.find(([, s]) => s.service === service && s.method === method && templateRegex(s.path).test(p));
}

function makeAjv(doc: any, id: string): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  // double/int32/int64/binary are OpenAPI formats; ajv-formats knows int32/int64/double/binary in "full" mode.
  for (const f of ["int32", "int64", "double", "binary", "float", "byte"]) if (!ajv.formats[f]) ajv.addFormat(f, true);
  const patched = JSON.parse(JSON.stringify(doc));
  // Known spec defect (ORIGIN.md): oneOf of three all-optional schemas cannot match exactly one.
  const aor = patched.components.schemas.AsynchronousOperationResult;
  if (aor?.properties?.operation?.oneOf) {
    aor.properties.operation = { anyOf: aor.properties.operation.oneOf };
  }
  ajv.addSchema(patched, id);
  return ajv;
}

/**
 * Flink writes absent @Nullable fields as null (e.g. `latest.savepoint` before any savepoint), while the
 * generated schemas declare no `nullable`; nulls are dropped before validating (see ORIGIN.md).
 */
function withoutNulls(v: any): any {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, withoutNulls(x)]));
  return v;
}

describe("the fake's responses follow the spec, and the client only makes listed requests", () => {
  let fake: FlinkFake;
  let client: FlinkClient;
  beforeAll(async () => {
    fake = await new FlinkFake().start();
    client = new FlinkClient({ gatewayUrl: fake.gatewayUrl, restUrl: fake.restUrl, timeoutMs: 10_000, initialDelayMs: 5, maxDelayMs: 20 });
    // Drive every client method once.
    await client.getInfo();
    const session = await client.openSession("contract");
    await client.runStatement(session, "CREATE TEMPORARY TABLE `t` (`id` BIGINT, PRIMARY KEY (`id`) NOT ENFORCED) WITH ('connector' = 'datagen')");
    const insert = await client.runStatement(session, "INSERT INTO `t` SELECT 1", { "pipeline.name": "contract-job" });
    await client.closeOperation(session, insert.operation);
    await client.closeSession(session);
    const jobId = insert.jobID!;
    await client.waitForJobRunning(jobId);
    await client.waitForJobReady(jobId);
    await client.listJobsOverview();
    await client.findJobsByName("contract-job");
    fake.completeCheckpoint(jobId);
    await client.latestCheckpoint(jobId);
    const sp = await client.triggerSavepoint(jobId, "s3://b/flink/savepoints");
    await client.waitForSavepoint(jobId, sp);
    await client.jobFailureCause(jobId);
    const stop = await client.stopWithSavepoint(jobId, "s3://b/flink/savepoints");
    await client.waitForSavepoint(jobId, stop);
    // A second job to cancel, and a failing one for the exceptions endpoint.
    const s2 = await client.openSession();
    await client.runStatement(s2, "CREATE TEMPORARY TABLE `t` (`id` BIGINT, PRIMARY KEY (`id`) NOT ENFORCED) WITH ('connector' = 'datagen')");
    const j2 = (await client.runStatement(s2, "INSERT INTO `t` SELECT 2", { "pipeline.name": "contract-2" })).jobID!;
    await client.waitForJobRunning(j2);
    await client.cancelJob(j2);
    // Cancelling it again is refused (409), which the client reports as "already ended".
    await expect(client.cancelJob(j2)).resolves.toBe(false);
    fake.mode.failJobsWith = "java.lang.RuntimeException: boom";
    const j3 = (await client.runStatement(s2, "INSERT INTO `t` SELECT 3", { "pipeline.name": "contract-3" })).jobID!;
    await expect(client.waitForJobRunning(j3)).rejects.toThrow(/FAILED.*boom/);
    await client.getJob(j3);
  });
  afterAll(() => fake.close());

  test("every recorded request is an entry of FLINK_REQUESTS, and every entry was exercised", () => {
    const used = new Set<string>();
    for (const r of fake.requests) {
      const m = matchEntry(r.service, r.method, r.path);
      expect({ method: r.method, path: r.path, matched: !!m }).toEqual({ method: r.method, path: r.path, matched: true });
      used.add(m![0]);
      for (const [k, v] of Object.entries(m![1].query ?? {})) expect(r.query[k]).toBe(v);
      if (r.body && typeof r.body === "object") for (const k of Object.keys(r.body)) expect(m![1].body ?? []).toContain(k);
    }
    expect([...used].sort()).toEqual(entries.map(([n]) => n).sort());
  });

  test("success responses validate against the spec's response schemas (FetchResults excepted)", () => {
    const ajvs = { gateway: makeAjv(specs.v3, "gw"), jobmanager: makeAjv(specs.dispatcher, "jm") };
    let validated = 0;
    for (const r of fake.requests) {
      if (r.status < 200 || r.status >= 300) continue;
      const [name, spec] = matchEntry(r.service, r.method, r.path)!;
      if (name === "fetchResults") continue;
      const doc = r.service === "gateway" ? specs.v3 : specs.dispatcher;
      const resp = doc.paths[spec.path][spec.method.toLowerCase()].responses[String(r.status)];
      expect(resp).toBeDefined();
      const schema = resp.content?.["application/json"]?.schema;
      if (!schema) {
        expect(r.responseBody).toBeUndefined();
        continue;
      }
      const id = r.service === "gateway" ? "gw" : "jm";
      const validate = ajvs[r.service].compile({ $ref: `${id}${schema.$ref}` });
      const ok = validate(withoutNulls(r.responseBody));
      expect({ name, errors: ok ? null : validate.errors }).toEqual({ name, errors: null });
      validated++;
    }
    expect(validated).toBeGreaterThan(10);
  });

  test("a response off the spec is rejected (the validation can fail)", () => {
    const ajv = makeAjv(specs.dispatcher, "jm");
    const validate = ajv.compile({ $ref: "jm#/components/schemas/JobDetailsInfo" });
    expect(validate({ jid: "not-a-job-id", state: "RUNNING" })).toBe(false);
    expect(validate({ jid: "0123456789abcdef0123456789abcdef", state: "WALKING" })).toBe(false);
  });

  test("FetchResults uses the wire names, not the generated schema's", () => {
    const pages = fake.requests.filter((r) => matchEntry(r.service, r.method, r.path)?.[0] === "fetchResults" && r.status === 200);
    expect(pages.length).toBeGreaterThan(0);
    const kinds = new Set(pages.map((p) => p.responseBody.resultType));
    expect(kinds).toEqual(new Set(["NOT_READY", "PAYLOAD", "EOS"]));
    for (const p of pages) {
      expect(p.query.rowFormat).toBe("JSON");
      const b = p.responseBody;
      if (b.resultType === "NOT_READY") continue;
      expect(typeof b.isQueryResult).toBe("boolean");
      expect(b).not.toHaveProperty("queryResult");
      expect(Array.isArray(b.results.columns)).toBe(true);
      expect(b.results).not.toHaveProperty("columnInfos");
      expect(["SUCCESS", "SUCCESS_WITH_CONTENT"]).toContain(b.resultKind);
    }
    const withJob = pages.filter((p) => p.responseBody.jobID);
    expect(withJob.length).toBeGreaterThan(0);
    for (const p of withJob) expect(p.responseBody.jobID).toMatch(/^[0-9a-f]{32}$/);
    // The generated schema really names them differently (so this test documents a real gap).
    const schema = specs.v3.components.schemas;
    expect(Object.keys(schema.FetchResultsResponseBody.properties)).toContain("queryResult");
    expect(Object.keys(schema.ResultInfo.properties)).toContain("columnInfos");
  });
});
