/**
 * The harness of the real end-to-end program test (tests/real/harness/program.ts), without real services:
 * the recorder returns index.ts's own dynamic resources with their serialized providers, those providers
 * load the way the dynamic provider host loads them, and the runner calls them in the engine's order.
 */
import { DeclaredResource, Engine, LoadedProvider, Props, declaredResources, loadProvider, wire } from "../real/harness/program";

const ALL_EXTERNAL = {
  tables: ["orders"],
  sourceMode: "external", sourceHost: "db", sourcePassword: "src-pw",
  starrocksMode: "external", starrocksHost: "fe", starrocksAdminPassword: "admin-pw",
  flinkMode: "external", flinkRestUrl: "http://jm:8081", flinkSqlGatewayUrl: "http://gw:8083",
  flinkCheckpointDir: "s3://state/cp", flinkSavepointDir: "s3://state/sp", flinkS3Endpoint: "http://s3:9000", flinkS3AccessKey: "ak", flinkS3SecretKey: "sk",
};
const SECRET_KEYS = ["sourcePassword", "starrocksAdminPassword", "flinkS3SecretKey"];

describe("declaredResources", () => {
  let declared: DeclaredResource[];
  beforeAll(async () => {
    declared = await declaredResources(ALL_EXTERNAL, SECRET_KEYS);
  }, 120_000);

  test("records index.ts's dynamic resources in the order they registered, each after what it depends on", () => {
    expect(declared.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      "flink:CdcJob cdc-job-cdc_heartbeat",
      "flink:CdcJob cdc-job-orders",
      "mysql:SourcePreflight source-preflight",
      "starrocks:Database sink-database",
      "starrocks:LoaderUser loader-user",
      "starrocks:Table sink-table-cdc_heartbeat",
      "starrocks:Table sink-table-orders",
    ]);
    // The SDK registers a resource only once its dependencies have registered: the engine's order.
    const position = new Map(declared.map((r, i) => [r.name, i]));
    for (const r of declared) for (const d of r.dependsOn) expect([r.name, d, position.get(d)! < position.get(r.name)!]).toEqual([r.name, d, true]);
    const job = declared.find((r) => r.name === "cdc-job-orders")!;
    expect(job.dependsOn.sort()).toEqual(["loader-user", "sink-table-cdc_heartbeat", "sink-table-orders", "source-preflight"]);
    expect(declared.find((r) => r.name === "loader-user")!.dependsOn.sort()).toEqual(["sink-table-cdc_heartbeat", "sink-table-orders"]);
  });

  test("inputs arrive as the provider host gets them: secrets unwrapped, the serialized provider included", () => {
    const job = declared.find((r) => r.name === "cdc-job-orders")!;
    expect(job.inputs.s3SecretKey).toBe("sk");
    expect(job.inputs.cdcPassword).toBe("src-pw");
    expect(job.inputs.statements[0]).toContain("'password' = '${CDC_PASSWORD}'");
    expect(job.inputs.__provider).toBe(job.providerText);
    expect(declared.find((r) => r.name === "sink-database")!.inputs).toMatchObject({ host: "fe", port: 9030, user: "root", password: "admin-pw" });
  });

  test("each serialized provider loads as the host loads it, and accepts the program's inputs", async () => {
    for (const r of declared) {
      const p = loadProvider(r.providerText);
      for (const m of ["check", "diff", "create", "read", "delete"] as const) expect([r.name, m, typeof p[m]]).toEqual([r.name, m, "function"]);
      const checked = await p.check!({}, wire(r.inputs));
      expect([r.name, checked.failures ?? []]).toEqual([r.name, []]);
    }
    // One text per provider kind: both CdcJobs share one closure, as the host's cache would.
    const jobs = declared.filter((r) => r.type === "flink:CdcJob");
    expect(loadProvider(jobs[0].providerText)).toBe(loadProvider(jobs[1].providerText));
  });
});

describe("Engine", () => {
  /** An in-memory provider that records every call, keyed by the provider text it was "loaded" from. */
  function fakeProviders() {
    const calls: string[] = [];
    const store = new Map<string, Props>();
    const make = (kind: string): LoadedProvider => ({
      async check(olds, news) {
        calls.push(`${kind}.check ${news.name} olds=${Object.keys(olds).length ? olds.value : "{}"}`);
        return { inputs: { ...news, defaulted: true } };
      },
      async diff(id, olds, news) {
        calls.push(`${kind}.diff ${id}`);
        return { changes: olds.value !== news.value };
      },
      async create(inputs) {
        calls.push(`${kind}.create ${inputs.name} secret=${inputs.secret}`);
        store.set(inputs.name, { ...inputs });
        return { id: `id-${inputs.name}`, outs: { ...inputs, dropped: undefined } };
      },
      async read(id, props) {
        calls.push(`${kind}.read ${id}`);
        const s = store.get(props.name);
        return s ? { id, props: { ...props, value: s.value } } : { id: "", props: {} };
      },
      async update(id, _olds, news) {
        calls.push(`${kind}.update ${id} value=${news.value}`);
        store.set(news.name, { ...news });
        return { outs: news };
      },
      async delete(id) {
        calls.push(`${kind}.delete ${id}`);
      },
    });
    const providers: Record<string, LoadedProvider> = { A: make("A"), B: make("B") };
    return { calls, store, load: (text: string) => providers[text] };
  }
  const secret = (v: string) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: v });
  const decl = (name: string, kind: string, value: number, dependsOn: string[] = []): DeclaredResource =>
    ({ type: `t:${kind}`, name, inputs: { name, value, secret: secret("s3cr3t"), __provider: kind }, dependsOn, providerText: kind });

  test("create in declaration order, then no-op diff, read without drift, update of a change, delete in reverse", async () => {
    const f = fakeProviders();
    const engine = new Engine(f.load);
    const v1 = [decl("db", "A", 1), decl("table", "B", 1, ["db"]), decl("job", "A", 1, ["table"])];
    expect(await engine.up(v1)).toEqual({ created: ["db", "table", "job"], updated: [], unchanged: [] });
    expect(f.calls.slice(0, 2)).toEqual(["A.check db olds={}", "A.create db secret=s3cr3t"]);
    expect(engine.state.get("db")!.outputs).not.toHaveProperty("dropped");
    expect(engine.state.get("db")!.inputs.defaulted).toBe(true);

    expect((await engine.preview(v1)).filter((d) => d.changes)).toEqual([]);
    expect(await engine.refresh()).toEqual([]);

    f.calls.length = 0;
    const v2 = [decl("db", "A", 1), decl("table", "B", 1, ["db"]), decl("job", "A", 2, ["table"])];
    expect(await engine.up(v2)).toEqual({ created: [], updated: ["job"], unchanged: ["db", "table"] });
    expect(f.calls).toContain("A.check job olds=1");
    expect(f.calls).toContain("A.update id-job value=2");

    f.store.delete("table");
    expect(await engine.refresh()).toEqual([{ name: "table", gone: true, changes: true }]);

    f.calls.length = 0;
    expect(await engine.destroy()).toEqual(["job", "table", "db"]);
    expect(f.calls).toEqual(["A.delete id-job", "B.delete id-table", "A.delete id-db"]);
  });

  test("refuses a declaration order that puts a resource before what it depends on", async () => {
    const engine = new Engine(fakeProviders().load);
    await expect(engine.up([decl("job", "A", 1, ["table"]), decl("table", "B", 1)])).rejects.toThrow("job depends on table, which is declared after it");
  });

  test("a failed check stops the run with the resource and the reasons", async () => {
    const engine = new Engine(() => ({ check: async () => ({ failures: [{ property: "host", reason: "host is required" }] }), create: async () => ({ id: "x" }) }));
    await expect(engine.up([decl("db", "A", 1)])).rejects.toThrow("check of t:A db failed: host: host is required");
  });
});
