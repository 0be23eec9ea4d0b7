import { putObject } from "../../clients/minio";
import { bucketProvider as p } from "../../providers/bucket";
import { PROVIDER_VERSION } from "../../providers/version";
import { freePort } from "../helpers/mariadb";
import { S3Server, startS3 } from "../helpers/s3";
import { create, del, diff, read, rejection, update } from "./harness";

describe("Bucket provider against s3rver", () => {
  let s3: S3Server;
  const inputs = (extra: Record<string, unknown> = {}) => ({
    endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region, bucket: "starrocks-cdc", forceDestroy: false, timeoutMs: 5000, providerVersion: PROVIDER_VERSION, ...extra,
  });
  const conn = () => ({ endpoint: s3.endpoint, accessKey: s3.accessKey, secretKey: s3.secretKey, region: s3.region });

  beforeEach(async () => {
    s3 = await startS3();
  });
  afterEach(async () => s3.stop());

  test("create, no-op, update, replace, gone, adopt, refuse non-empty delete, force delete", async () => {
    const { id, outs } = await create(p, inputs());
    expect(id).toBe("starrocks-cdc");
    expect(outs).toMatchObject({ exists: true, adopted: false });
    expect((await diff(p, id, outs, inputs())).changes).toBe(false);
    expect(await diff(p, id, outs, inputs({ forceDestroy: true }))).toMatchObject({ changes: true, replaces: [] });
    expect(await diff(p, id, outs, inputs({ bucket: "other-bucket" }))).toMatchObject({ replaces: ["bucket"], deleteBeforeReplace: true });

    // Adopt: a second create finds it.
    expect((await create(p, inputs())).outs.adopted).toBe(true);

    // Not empty: delete refuses with a clear message; with forceDestroy it empties and removes it.
    await putObject(conn(), "starrocks-cdc", "starrocks/x.dat", "data", 5000);
    const err = await rejection(del(p, id, outs));
    expect(err.message).toMatch(/bucket "starrocks-cdc" .* is not empty .*forceDestroyBucket/);
    const forced = await update(p, id, outs, inputs({ forceDestroy: true }));
    await del(p, id, forced);
    const r = await read(p, id, forced);
    expect(r.id).toBe("");
    expect((await diff(p, id, { ...forced, exists: false }, inputs({ forceDestroy: true }))).changes).toBe(true);
    // Gone: the next create restores it; delete of an empty bucket works and is idempotent.
    await create(p, inputs());
    expect((await read(p, id, outs)).id).toBe(id);
    await del(p, id, outs);
    await del(p, id, outs);
    expect((await read(p, id, outs)).id).toBe("");
  });

  test("wrong credentials fail fast without echoing the keys", async () => {
    const err = await rejection(create(p, inputs({ accessKey: "WRONGKEY", secretKey: "wrong-secret-value", timeoutMs: 60000 })));
    expect(err.message).toMatch(/rejected the credentials/);
    expect(err.message).not.toContain("wrong-secret-value");
  });

  test("MinIO that comes up only after a few seconds", async () => {
    const port = await freePort();
    const late = new Promise<S3Server>((resolve) => setTimeout(() => resolve(startS3({ port })), 1500));
    try {
      const { outs } = await create(p, inputs({ endpoint: `http://127.0.0.1:${port}` }));
      expect(outs.exists).toBe(true);
    } finally {
      await (await late).stop();
    }
  });

  test("MinIO that never comes up: timeout names the endpoint and the last error", async () => {
    const port = await freePort();
    const err = await rejection(create(p, inputs({ endpoint: `http://127.0.0.1:${port}`, timeoutMs: 800 })));
    expect(err.message).toMatch(new RegExp(`timed out after \\d+s waiting for MinIO to create bucket "starrocks-cdc" at http://127.0.0.1:${port}; last seen: .*ECONNREFUSED`));
  });
});
