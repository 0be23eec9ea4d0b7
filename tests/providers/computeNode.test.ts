import { computeNodeProvider as p } from "../../providers/computeNode";
import { PROVIDER_VERSION } from "../../providers/version";
import { UNKNOWN } from "../../providers/policy";
import { StarRocksFeFake } from "../fakes/starrocksFe";
import { freePort } from "../helpers/mariadb";
import { check, create, del, diff, read, rejection, update } from "./harness";

describe("ComputeNode provider against the StarRocks FE fake", () => {
  let fe: StarRocksFeFake;
  const inputs = (extra: Record<string, unknown> = {}) => ({
    host: fe.host, port: fe.port, user: "root", password: "", nodeHost: "starrocks-cn-0", heartbeatPort: 9050, timeoutMs: 5000, providerVersion: PROVIDER_VERSION, ...extra,
  });

  beforeEach(async () => {
    fe = await StarRocksFeFake.start({ nodes: { "starrocks-cn-9:9050": { never: true, errMsg: "java.net.ConnectException: Connection refused" } } });
  });
  afterEach(async () => fe.stop());

  test("full lifecycle: create, no-op, update, replace, drift, gone, delete", async () => {
    const { id, outs } = await create(p, inputs());
    expect(id).toBe("starrocks-cn-0:9050");
    expect(outs).toMatchObject({ alive: true, adopted: false, nodeHost: "starrocks-cn-0" });
    expect(fe.nodes.map((n) => `${n.host}:${n.port}`)).toEqual(["starrocks-cn-0:9050"]);

    // Second run with the same inputs: no changes.
    expect((await diff(p, id, outs, inputs())).changes).toBe(false);
    // In-place update (provider version bump): update, no replace; ADD is not sent again.
    const d = await diff(p, id, outs, inputs({ providerVersion: "next" }));
    expect(d).toMatchObject({ changes: true, replaces: [] });
    const adds = fe.statements(/ADD COMPUTE NODE/).length;
    const outs2 = await update(p, id, outs, inputs({ providerVersion: "next" }));
    expect(outs2).toMatchObject({ alive: true, providerVersion: "next" });
    expect(fe.statements(/ADD COMPUTE NODE/).length).toBe(adds);
    // Replacement: another node address.
    expect(await diff(p, id, outs, inputs({ nodeHost: "starrocks-cn-1" }))).toMatchObject({ changes: true, replaces: ["nodeHost"], deleteBeforeReplace: true });

    // Out-of-band: the node dies -> refresh shows it, and the next diff wants an update.
    fe.killNode("starrocks-cn-0", 9050, "heartbeat timed out");
    const r1 = await read(p, id, outs);
    expect(r1).toMatchObject({ id, props: { alive: false, errMsg: "heartbeat timed out" } });
    expect((await diff(p, id, r1.props, inputs())).changes).toBe(true);

    // Out-of-band deletion: read reports gone; the next create restores it.
    fe.removeNode("starrocks-cn-0", 9050);
    expect((await read(p, id, outs)).id).toBe("");
    await create(p, inputs());
    expect(fe.nodes.length).toBe(1);

    // Delete leaves nothing; a second delete is a no-op.
    await del(p, id, outs);
    expect(fe.nodes).toEqual([]);
    await del(p, id, outs);
    expect(fe.statements(/DROP COMPUTE NODE/).length).toBe(1);
  });

  test("a node registered earlier is adopted, not added twice", async () => {
    fe.addNodeOutOfBand("starrocks-cn-0", 9050);
    const { outs } = await create(p, inputs());
    expect(outs.adopted).toBe(true);
    expect(fe.statements(/ADD COMPUTE NODE/)).toEqual([]);
    expect(fe.nodes.length).toBe(1);
  });

  test("waits for a node that turns Alive only after a delay", async () => {
    await fe.stop();
    fe = await StarRocksFeFake.start({ aliveDelayMs: 1500 });
    const { outs } = await create(p, inputs());
    expect(outs.alive).toBe(true);
    expect(fe.statements(/SHOW COMPUTE NODES/).length).toBeGreaterThan(2);
  });

  test("a node that never turns alive fails with its ErrMsg", async () => {
    const err = await rejection(create(p, inputs({ nodeHost: "starrocks-cn-9", timeoutMs: 1200 })));
    expect(err.message).toMatch(/starrocks-cn-9:9050/);
    expect(err.message).toMatch(/Alive = false, ErrMsg: java.net.ConnectException: Connection refused/);
    expect(err.message).toContain(`${fe.host}:${fe.port}`);
  });

  test("an FE that accepts connections only after a few seconds", async () => {
    await fe.stop();
    fe = await StarRocksFeFake.start({ startDelayMs: 2000 });
    const { outs } = await create(p, inputs());
    expect(outs.alive).toBe(true);
  });

  test("an FE that never comes up: clear timeout naming service, address and last error", async () => {
    const port = await freePort();
    const err = await rejection(create(p, { ...inputs(), port, timeoutMs: 800 }));
    expect(err.message).toMatch(/timed out after \d+s waiting for StarRocks FE to accept connections at 127\.0\.0\.1:\d+; last seen: .*ECONNREFUSED/);
  });

  test("wrong admin password fails fast with access denied and no password in the message", async () => {
    fe.setPasswordOutOfBand("root", "right-one");
    const started = fe.log.length;
    const err = await rejection(create(p, inputs({ password: "wrong-one", timeoutMs: 60000 })));
    expect(err.message).toMatch(/refused the login for user 'root'/);
    expect(err.message).not.toContain("wrong-one");
    expect(fe.log.length).toBe(started);
  });

  test("check validates inputs and tolerates unknowns during preview", async () => {
    const bad = await p.check!({}, { ...inputs(), nodeHost: "cn:9050", port: 0 });
    expect(bad.failures?.map((f) => f.property).sort()).toEqual(["nodeHost", "port"]);
    const preview = await p.check!({}, { ...inputs(), nodeHost: UNKNOWN, port: UNKNOWN });
    expect(preview.failures).toEqual([]);
    const d = await p.diff!("x", await check(p, inputs()), { ...(await check(p, inputs())), nodeHost: UNKNOWN });
    expect(d.replaces).toEqual(["nodeHost"]);
  });
});
