/**
 * A destructive re-creation of a sink table must stop its CDC job first. The engine decides that from the
 * providers' diffs (pulumi step_generator.go, calculateDependentReplacements): when a resource is replaced
 * delete-before-replace, each dependant whose input came from it is asked to diff with that input unknown,
 * and the ones answering "replace" are deleted before it, in reverse dependency order.
 */
import { findTable } from "../../catalog/tables";
import { cdcJobProvider } from "../../providers/cdcJob";
import { UNKNOWN } from "../../providers/policy";
import { tableProvider } from "../../providers/table";

const job = {
  gatewayUrl: "http://127.0.0.1:8083", restUrl: "http://127.0.0.1:8081", statements: ["INSERT ..."], pipelineName: "p-orders", table: "orders",
  serverIdRange: { start: 5400, end: 5400 }, upgradeMode: "savepoint", savepointDir: "s3://b/flink/savepoints", checkpointDir: "s3://b/flink/checkpoints",
  savepointNonce: "", timeoutMs: 1000, providerVersion: "1", s3Endpoint: "http://127.0.0.1:9000", s3AccessKey: "ak", s3SecretKey: "sk", bucket: "b", s3Region: "us-east-1",
  sinkTable: "shop.orders",
};

test("the table's replacement deletes first, and asks the job to be replaced with it", async () => {
  const orders = findTable("orders");
  const table = { host: "127.0.0.1", port: 9030, user: "root", password: "", database: "shop", definition: orders, allowDestructiveChanges: true, forceDrop: true };
  const olds = (await tableProvider.check!({}, table)).inputs!;
  const retyped = { ...orders, key: ["order_id", "customer_id"] };
  const news = (await tableProvider.check!(olds, { ...table, definition: retyped })).inputs!;
  expect(await tableProvider.diff!("shop.orders", olds, news)).toMatchObject({ replaces: ["keys"], deleteBeforeReplace: true });

  // The engine's question to the job: its sinkTable input comes from the condemned table.
  const d = await cdcJobProvider.diff!("p-orders", job, { ...job, sinkTable: UNKNOWN });
  expect(d).toMatchObject({ changes: true, replaces: ["sinkTable"] });
});

test("the same table id is no change, and a job recorded before the input existed is only updated", async () => {
  expect((await cdcJobProvider.diff!("p-orders", job, job)).changes).toBe(false);
  const { sinkTable: _none, ...older } = job;
  expect(await cdcJobProvider.diff!("p-orders", older, job)).toMatchObject({ changes: true, replaces: [] });
  expect((await cdcJobProvider.diff!("p-orders", job, { ...job, sinkTable: "shop2.orders" })).replaces).toEqual(["sinkTable"]);
});
