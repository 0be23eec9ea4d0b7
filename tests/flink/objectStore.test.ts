/**
 * The default loss-recovery store (MinIO client: ListObjectsV2, GetObject, PutObject, DeleteObject) against
 * s3rver, a local S3 emulator, so the real client code path is exercised without MinIO.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { minioObjectStore, newestRetainedState } from "../../providers/cdcJob";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require("s3rver");

let server: any;
let dir: string;
let endpoint: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "s3rver-"));
  server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory: dir, configureBuckets: [{ name: "bkt" }] });
  const addr = await server.run();
  endpoint = `http://127.0.0.1:${addr.port}`;
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("put, get, list and remove through the MinIO client; newest retained state found", async () => {
  const store = minioObjectStore({ endpoint, accessKey: "S3RVER", secretKey: "S3RVER", bucket: "bkt", region: "us-east-1" });
  const job = "c".repeat(32);
  expect(await store.getText("flink/cdc-jobs/p.json")).toBeUndefined();
  await store.putText("flink/cdc-jobs/p.json", JSON.stringify({ jobIds: [job] }));
  expect(JSON.parse((await store.getText("flink/cdc-jobs/p.json"))!)).toEqual({ jobIds: [job] });
  await store.putText(`flink/checkpoints/${job}/chk-1/_metadata`, "m");
  await store.putText(`flink/savepoints/savepoint-${job.slice(0, 6)}-0123456789ab/_metadata`, "m");
  const listed = await store.list(`flink/checkpoints/${job}/`);
  expect(listed.map((o) => o.key)).toEqual([`flink/checkpoints/${job}/chk-1/_metadata`]);
  expect(listed[0].lastModified).toBeInstanceOf(Date);
  const got = await newestRetainedState(store, "s3://bkt/flink/checkpoints", "s3://bkt/flink/savepoints", [job]);
  expect(got?.path).toMatch(/^s3:\/\/bkt\/flink\/(checkpoints\/c{32}\/chk-1|savepoints\/savepoint-cccccc-0123456789ab)$/);
  await store.remove("flink/cdc-jobs/p.json");
  expect(await store.getText("flink/cdc-jobs/p.json")).toBeUndefined();
});
