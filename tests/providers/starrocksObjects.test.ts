import { Column, TableDef, findTable } from "../../catalog/tables";
import { query, withMysql } from "../../clients/mysql";
import { databaseProvider } from "../../providers/database";
import { adoptionRefusal, loaderUserProvider } from "../../providers/loaderUser";
import { defaultLoaderUser } from "../../config/users";
import { rootPasswordProvider } from "../../providers/rootPassword";
import { storageVolumeProvider } from "../../providers/storageVolume";
import { tableProvider } from "../../providers/table";
import { PROVIDER_VERSION } from "../../providers/version";
import { StarRocksFeFake } from "../fakes/starrocksFe";
import { create, del, diff, read, rejection, update } from "./harness";

let fe: StarRocksFeFake;
const conn = () => ({ host: fe.host, port: fe.port, user: "root", password: "", timeoutMs: 5000, providerVersion: PROVIDER_VERSION });

beforeEach(async () => {
  fe = await StarRocksFeFake.start({ schemaChangeDelayMs: 300 });
});
afterEach(async () => fe.stop());

describe("StorageVolume", () => {
  const p = storageVolumeProvider;
  const inputs = (extra: Record<string, unknown> = {}) => ({
    ...conn(), name: "cdc_volume", location: "s3://starrocks-cdc/starrocks", endpoint: "http://minio:9000", region: "us-east-1",
    accessKey: "AK-one", secretKey: "SK-one-secret", allowDestructiveChanges: false, ...extra,
  });

  test("create, no-op, credential rotation in place, drift, gone, refused location change, delete", async () => {
    const { id, outs } = await create(p, inputs());
    expect(id).toBe("cdc_volume");
    expect(outs).toMatchObject({ isDefault: true, enabled: true });
    const v = fe.volumes.get("cdc_volume")!;
    expect(v).toMatchObject({ type: "S3", location: "s3://starrocks-cdc/starrocks", enabled: true });
    expect(v.params).toMatchObject({ "aws.s3.endpoint": "http://minio:9000", "aws.s3.enable_path_style_access": "true", "aws.s3.access_key": "AK-one" });
    expect(fe.defaultVolume).toBe("cdc_volume");

    expect((await diff(p, id, outs, inputs())).changes).toBe(false);

    // Credentials: update in place with ALTER STORAGE VOLUME ... SET.
    const d = await diff(p, id, outs, inputs({ secretKey: "SK-two-secret" }));
    expect(d).toMatchObject({ changes: true, replaces: [] });
    const outs2 = await update(p, id, outs, inputs({ secretKey: "SK-two-secret" }));
    expect(v.params["aws.s3.secret_key"]).toBe("SK-two-secret");
    expect(fe.statements(/^ALTER STORAGE VOLUME/).length).toBe(1);

    // Location change: refused in check (preview shows it) and in diff, with the way out; never a
    // replacement (StarRocks would neither drop the default volume nor create a second one of that name).
    for (const allowDestructiveChanges of [false, true]) {
      const news = inputs({ secretKey: "SK-two-secret", location: "s3://other/starrocks", allowDestructiveChanges });
      const checked = await p.check!(outs2, news);
      expect(checked.failures?.[0]?.property).toBe("location");
      const refused = await rejection(p.diff!(id, outs2, { ...news, user: "root" }));
      expect(refused.message).toMatch(/storage volume "cdc_volume": location s3:\/\/starrocks-cdc\/starrocks -> s3:\/\/other\/starrocks \(config bucket\) cannot be applied/);
      expect(refused.message).toMatch(/set the old value back, or start the sink over: `npm run destroy` without retainData/);
    }
    expect((await p.check!(outs2, inputs({ secretKey: "SK-two-secret", region: "eu-west-1" }))).failures?.[0]?.reason).toMatch(/region us-east-1 -> eu-west-1 \(config s3Region\)/);

    // Drift: someone made another volume the default; refresh shows it and the next up fixes it.
    fe.unsetDefaultVolume();
    const r = await read(p, id, outs2);
    expect(r.props.isDefault).toBe(false);
    expect((await diff(p, id, r.props, inputs({ secretKey: "SK-two-secret" }))).changes).toBe(true);
    await update(p, id, r.props, inputs({ secretKey: "SK-two-secret" }));
    expect(fe.defaultVolume).toBe("cdc_volume");

    // DESC masks the keys; nothing secret comes back from read.
    expect(JSON.stringify((await read(p, id, outs2)).props)).not.toContain("SK-one");

    // Default volume: StarRocks refuses to drop it, so delete leaves it (it lives in FE metadata only) and says so.
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      await del(p, id, outs2);
      expect(stderr.mock.calls.map((c) => String(c[0])).join("")).toMatch(/storage volume "cdc_volume" is the default volume, which StarRocks never drops/);
    } finally {
      stderr.mockRestore();
    }
    expect(fe.volumes.has("cdc_volume")).toBe(true);
    // A non-default volume is dropped, and read then reports it gone; the next create restores it.
    fe.unsetDefaultVolume();
    await del(p, id, outs2);
    expect(fe.volumes.size).toBe(0);
    expect((await read(p, id, outs2)).id).toBe("");
    await del(p, id, outs2);
    await create(p, inputs());
    expect(fe.volumes.size).toBe(1);
  });

  test("an existing volume is adopted (credentials set, made default), and one at another location is an error", async () => {
    fe.volumes.set("cdc_volume", { type: "S3", location: "s3://starrocks-cdc/starrocks/", params: { "aws.s3.access_key": "old" }, enabled: false, comment: "" });
    const { outs } = await create(p, inputs());
    expect(outs).toMatchObject({ isDefault: true, enabled: true });
    expect(fe.statements(/^CREATE STORAGE VOLUME/)).toEqual([]);
    expect(fe.volumes.get("cdc_volume")!.params["aws.s3.access_key"]).toBe("AK-one");

    const err = await rejection(create(p, inputs({ location: "s3://elsewhere/x" })));
    expect(err.message).toMatch(/already exists with other settings.*location s3:\/\/starrocks-cdc\/starrocks\/ -> s3:\/\/elsewhere\/x/);
  });

  test("read reports the volume as StarRocks holds it, and a fixed property that differs is refused, not replaced", async () => {
    const { id, outs } = await create(p, inputs());
    // The volume holds another region than the stack says (e.g. set up by hand before adoption).
    fe.volumes.get("cdc_volume")!.params["aws.s3.region"] = "eu-west-1";
    const r = await read(p, id, outs);
    expect(r.props).toMatchObject({ region: "eu-west-1", endpoint: "http://minio:9000", location: "s3://starrocks-cdc/starrocks", isDefault: true, enabled: true });
    for (const allowDestructiveChanges of [false, true]) {
      const err = await rejection(diff(p, id, r.props, inputs({ allowDestructiveChanges })));
      expect(err.message).toMatch(/region eu-west-1 -> us-east-1 \(config s3Region\) cannot be applied/);
    }
    // Only credentials, enabled and the default flag are ever changed: nothing but those ALTERs was sent.
    expect(fe.statements(/^ALTER STORAGE VOLUME/).every((sql) => /access_key|secret_key|enabled/.test(sql))).toBe(true);
  });

  test("a non-default volume is dropped once the stack's databases went with FORCE; a refusal on delete is reported, not fatal", async () => {
    const { id, outs } = await create(p, inputs());
    fe.addNodeOutOfBand("starrocks-cn-0", 9050);
    const db = await create(databaseProvider, { ...conn(), database: "shop" });
    await create(databaseProvider, { ...conn(), database: "kept", forceDrop: false });
    // Another volume became the default, so StarRocks would drop this one if nothing referenced it.
    fe.volumes.set("other", { type: "S3", location: "s3://other/x", params: {}, enabled: true, comment: "" });
    fe.defaultVolume = "other";

    // "kept" was dropped without FORCE: the recycle bin keeps the volume referenced. Delete reports it and succeeds.
    await del(databaseProvider, "kept", { ...conn(), database: "kept", forceDrop: false });
    expect(fe.recycled()).toEqual(["kept"]);
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      await del(p, id, outs);
      expect(fe.volumes.has("cdc_volume")).toBe(true);
      expect(String(stderr.mock.calls.map((c) => c[0]).join(""))).toMatch(/refused to drop storage volume "cdc_volume": Storage volume 'cdc_volume' is referenced by dbs or tables.*catalog_trash_expire_second/);
    } finally {
      stderr.mockRestore();
    }

    // The stack's own database goes with FORCE (the default): nothing stays in the recycle bin for it.
    fe.expireRecycleBin();
    await del(databaseProvider, db.id, db.outs);
    expect(fe.statements(/^DROP DATABASE/).pop()).toBe("DROP DATABASE IF EXISTS `shop` FORCE");
    expect(fe.recycled()).toEqual([]);
    await del(p, id, outs);
    expect(fe.volumes.has("cdc_volume")).toBe(false);
  });

  test("secrets never reach error messages", async () => {
    fe.volumes.set("cdc_volume", { type: "S3", location: "s3://starrocks-cdc/starrocks", params: {}, enabled: true, comment: "" });
    fe.defaultVolume = "cdc_volume";
    // Force a failing ALTER: the fake refuses disabling the default volume; here we trigger a statement error
    // through a volume name the fake rejects on CREATE.
    const err = await rejection(create(p, inputs({ name: "builtin_storage_volume" })));
    expect(err.message).toMatch(/builtin_storage_volume is reserved/);
    expect(err.message).not.toContain("SK-one-secret");
  });
});

describe("RootPassword", () => {
  const p = rootPasswordProvider;
  const inputs = (password: string) => ({ ...conn(), password });

  test("sets the password from empty, re-runs and adopts, rotates in place, reports drift", async () => {
    const { id, outs } = await create(p, inputs("first-secret"));
    expect(outs).toMatchObject({ passwordWorks: true, adopted: false });
    expect(fe.statements(/SET PASSWORD/).length).toBe(1);
    // Re-run (e.g. state lost): connects with the target password and changes nothing.
    const again = await create(p, inputs("first-secret"));
    expect(again.outs.adopted).toBe(true);
    expect(fe.statements(/SET PASSWORD/).length).toBe(1);
    expect((await diff(p, id, outs, inputs("first-secret"))).changes).toBe(false);

    // Rotation: update in place; logs in with the previous password.
    expect(await diff(p, id, outs, inputs("second-secret"))).toMatchObject({ changes: true, replaces: [] });
    const outs2 = await update(p, id, outs, inputs("second-secret"));
    expect(outs2.passwordWorks).toBe(true);
    expect((await read(p, id, outs2)).props.passwordWorks).toBe(true);

    // Out-of-band change: refresh reports it, and the next up explains how to recover.
    fe.setPasswordOutOfBand("root", "someone-else");
    const r = await read(p, id, outs2);
    expect(r.props.passwordWorks).toBe(false);
    expect((await diff(p, id, r.props, inputs("second-secret"))).changes).toBe(true);
    const err = await rejection(update(p, id, r.props, inputs("second-secret")));
    expect(err.message).toMatch(/changed outside Pulumi/);
    expect(err.message).not.toMatch(/second-secret|someone-else/);
    expect(JSON.stringify(fe.log.filter((l) => !/SET PASSWORD/.test(l.sql)))).not.toContain("second-secret");

    // Delete keeps the password (never reopens root), and is idempotent.
    await del(p, id, outs2);
    await del(p, id, outs2);
  });

  test("an empty target password is rejected by check", async () => {
    const r = await p.check!({}, inputs(""));
    expect(r.failures?.[0].property).toBe("password");
  });
});

describe("Database and Table", () => {
  const orders = findTable("orders");
  /** A shared-data cluster ready for DDL: a default volume and one alive compute node. */
  const withVolume = () => {
    fe.volumes.set("cdc_volume", { type: "S3", location: "s3://b/starrocks", params: {}, enabled: true, comment: "" });
    fe.defaultVolume = "cdc_volume";
    fe.addNodeOutOfBand("starrocks-cn-0", 9050);
  };
  const withColumns = (def: TableDef, fn: (cols: Column[]) => Column[]): TableDef => ({ ...def, columns: fn(def.columns) });
  const tableInputs = (def: TableDef = orders, extra: Record<string, unknown> = {}) => ({ ...conn(), database: "shop", definition: def, allowDestructiveChanges: false, ...extra });

  test("database: create, no-op, replace on rename, gone, adopt, delete", async () => {
    withVolume();
    const p = databaseProvider;
    const { id, outs } = await create(p, { ...conn(), database: "shop" });
    expect(fe.databases.has("shop")).toBe(true);
    expect((await diff(p, id, outs, { ...conn(), database: "shop" })).changes).toBe(false);
    expect((await diff(p, id, outs, { ...conn(), database: "shop2" })).replaces).toEqual(["database"]);
    fe.databases.delete("shop");
    expect((await read(p, id, outs)).id).toBe("");
    await create(p, { ...conn(), database: "shop" });
    const adopted = await create(p, { ...conn(), database: "shop" });
    expect(adopted.outs.adopted).toBe(true);
    // Two creates so far (first, then the restore); the adopting run sent none.
    expect(fe.statements(/^CREATE DATABASE/).length).toBe(2);
    await del(p, id, outs);
    expect(fe.databases.has("shop")).toBe(false);
    await del(p, id, outs);
  });

  test("database: shared-data needs a default storage volume first", async () => {
    const err = await rejection(create(databaseProvider, { ...conn(), database: "shop" }));
    expect(err.message).toMatch(/Default storage volume not exists/);
  });

  test("table: create, no-op, add/drop column in place, refused type change, drift, gone, delete", async () => {
    withVolume();
    fe.addDatabase("shop");
    const p = tableProvider;
    // This stack drops StarRocks columns whose source column is gone (the default keeps them, next test).
    const inputs = (def: TableDef = orders, extra: Record<string, unknown> = {}) => tableInputs(def, { dropRemovedColumns: true, ...extra });
    const { id, outs } = await create(p, inputs());
    expect(id).toBe("shop.orders");
    expect(fe.table("shop", "orders")).toMatchObject({ keys: ["order_id"], distribution: ["order_id"] });
    expect(fe.table("shop", "orders").properties).toMatchObject({ persistent_index_type: "CLOUD_NATIVE" });
    expect((await diff(p, id, outs, inputs())).changes).toBe(false);

    // Add a nullable column and drop one: in place.
    const wider = { ...orders, columns: [...orders.columns.filter((c) => c.name !== "updated_at"), { name: "channel", type: { kind: "varchar" as const, length: 16 }, nullable: true }] };
    expect(await diff(p, id, outs, inputs(wider))).toMatchObject({ changes: true, replaces: [] });
    const outs2 = await update(p, id, outs, inputs(wider));
    expect(fe.table("shop", "orders").columns.map((c) => c.name)).toEqual(["order_id", "customer_id", "status", "total_amount", "order_date", "channel"]);
    expect(fe.statements(/^ALTER TABLE/)).toEqual([
      "ALTER TABLE `shop`.`orders` ADD COLUMN `channel` VARCHAR(64) NULL AFTER `order_date`",
      "ALTER TABLE `shop`.`orders` DROP COLUMN `updated_at`",
    ]);
    expect((await diff(p, id, outs2, inputs(wider))).changes).toBe(false);

    // A type change StarRocks cannot ALTER here (a shorter VARCHAR): refused, naming table and column;
    // replacement when allowed.
    const retyped = { ...wider, columns: wider.columns.map((c) => (c.name === "status" ? { ...c, type: { kind: "varchar" as const, length: 10 } } : c)) };
    const err = await rejection(diff(p, id, outs2, inputs(retyped)));
    expect(err.message).toMatch(/table shop\.orders: column status: type VARCHAR\(80\) -> VARCHAR\(40\).*allowDestructiveChanges/);
    expect(await diff(p, id, outs2, inputs(retyped, { allowDestructiveChanges: true }))).toMatchObject({ replaces: ["columns"], deleteBeforeReplace: true });
    const keyChange = { ...wider, key: ["order_id", "customer_id"] };
    expect((await rejection(diff(p, id, outs2, inputs(keyChange)))).message).toMatch(/shop\.orders.*primary key/);

    // Drift: a column type changed out of band (to another family: INT -> BIGINT would widen in place)
    // shows on read and in the next diff.
    fe.setColumnType("shop", "orders", "customer_id", "VARCHAR(20)");
    const r = await read(p, id, outs2);
    expect(r.props.columns.find((c: { name: string }) => c.name === "customer_id").type).toBe("VARCHAR(20)");
    expect((await rejection(diff(p, id, r.props, inputs(wider)))).message).toMatch(/column customer_id: type VARCHAR\(20\) -> BIGINT/);
    // ... and update refuses too (it re-observes). Even when allowed, update does not drop the table under
    // its running CDC job: it asks for the refresh that plans a replacement (which stops the job first).
    expect((await rejection(update(p, id, r.props, inputs(wider)))).message).toMatch(/customer_id/);
    const viaRefresh = await rejection(update(p, id, outs2, inputs(wider, { allowDestructiveChanges: true })));
    expect(viaRefresh.message).toMatch(/changed outside Pulumi .*pulumi up --refresh/);
    expect(fe.table("shop", "orders").columns.find((c) => c.name === "customer_id")!.type).toBe("VARCHAR(20)");
    // The refreshed state plans the replacement: delete (FORCE), then create.
    expect(await diff(p, id, r.props, inputs(wider, { allowDestructiveChanges: true }))).toMatchObject({ replaces: ["columns"], deleteBeforeReplace: true });
    await del(p, id, r.props);
    expect(fe.statements(/^DROP TABLE/).pop()).toBe("DROP TABLE IF EXISTS `shop`.`orders` FORCE");
    await create(p, inputs(wider, { allowDestructiveChanges: true }));
    expect(fe.table("shop", "orders").columns.find((c) => c.name === "customer_id")!.type).toBe("BIGINT");

    // A dropped column out of band comes back with ADD COLUMN.
    fe.dropColumnOutOfBand("shop", "orders", "channel");
    const r2 = await read(p, id, outs2);
    expect((await diff(p, id, r2.props, inputs(wider))).changes).toBe(true);
    await update(p, id, r2.props, inputs(wider));
    expect(fe.table("shop", "orders").columns.map((c) => c.name)).toContain("channel");

    // Gone out of band: read reports it, create restores it.
    fe.dropTableOutOfBand("shop", "orders");
    expect((await read(p, id, outs2)).id).toBe("");
    await create(p, inputs(wider));
    // Adoption: an existing identical table is not re-created.
    const creates = fe.statements(/^CREATE TABLE/).length;
    await create(p, inputs(wider));
    expect(fe.statements(/^CREATE TABLE/).length).toBe(creates);

    await del(p, id, outs2);
    expect(fe.databases.get("shop")!.size).toBe(0);
    await del(p, id, outs2);
  });

  test("table: a column gone from the source is kept by default, made nullable, and the next diff is empty; check names the change", async () => {
    withVolume();
    fe.addDatabase("shop");
    const p = tableProvider;
    const { id, outs } = await create(p, tableInputs());
    const without = { ...orders, columns: orders.columns.filter((c) => c.name !== "updated_at") };
    const checked = await p.check!(outs, tableInputs(without));
    // Lines `pulumi preview --diff` shows whole (it cuts strings after 150 characters): the change, the statement, the job's action.
    const lines = checked.inputs.schemaChanges as string[];
    expect(lines.filter((l) => l.length > 150)).toEqual([]);
    expect(lines[0]).toMatch(/^orders\.updated_at: column updated_at dropped in the source; kept in StarRocks \(made nullable\)/);
    expect(lines).toContain("  StarRocks: ALTER TABLE `shop`.`orders` MODIFY COLUMN `updated_at` DATETIME NULL");
    expect(lines.find((l) => l.startsWith("  Job: "))).toMatch(/^  Job: stopped .*WITHOUT state/);
    expect(lines.slice(1).every((l) => l.startsWith("  "))).toBe(true);
    expect(await diff(p, id, outs, checked.inputs)).toMatchObject({ changes: true, replaces: [] });
    const outs2 = await update(p, id, outs, checked.inputs);
    expect(fe.statements(/^ALTER TABLE/)).toEqual(["ALTER TABLE `shop`.`orders` MODIFY COLUMN `updated_at` DATETIME NULL"]);
    expect(fe.table("shop", "orders").columns.map((c) => c.name)).toContain("updated_at");
    // Up twice: nothing left to do, and the recorded summary is empty once applied.
    expect(outs2.schemaChanges).toEqual([]);
    const again = await p.check!(checked.inputs, tableInputs(without));
    expect(again.inputs.schemaChanges).toEqual([]);
    expect((await diff(p, id, outs2, again.inputs)).changes).toBe(false);
  });

  test("table: a NOT NULL column is added with the value MySQL gives old rows (the epoch for a DATETIME); a NOT NULL JSON is refused", async () => {
    withVolume();
    fe.addDatabase("shop");
    const p = tableProvider;
    const { id, outs } = await create(p, tableInputs());
    const added = withColumns(orders, (cols) => [
      ...cols,
      { name: "channel", type: { kind: "varchar", length: 16 }, nullable: false },
      { name: "quantity", type: { kind: "int" }, nullable: false },
    ]);
    expect(await diff(p, id, outs, tableInputs(added))).toMatchObject({ changes: true, replaces: [] });
    const outs2 = await update(p, id, outs, tableInputs(added));
    expect(fe.statements(/ADD COLUMN/)).toEqual([
      "ALTER TABLE `shop`.`orders` ADD COLUMN `channel` VARCHAR(64) NOT NULL DEFAULT '' AFTER `updated_at`",
      "ALTER TABLE `shop`.`orders` ADD COLUMN `quantity` INT NOT NULL DEFAULT '0' AFTER `channel`",
    ]);
    expect(fe.table("shop", "orders").columns.slice(-2)).toEqual([
      { name: "channel", type: "VARCHAR(64)", nullable: false, default: "" },
      { name: "quantity", type: "INT", nullable: false, default: "0" },
    ]);
    // The recorded columns match the catalog: no perpetual diff from the DEFAULT.
    expect((await diff(p, id, outs2, tableInputs(added))).changes).toBe(false);
    expect((await diff(p, id, (await read(p, id, outs2)).props, tableInputs(added))).changes).toBe(false);

    const stamped = withColumns(added, (cols) => [...cols, { name: "shipped_at", type: { kind: "datetime" }, nullable: false }]);
    await update(p, id, outs2, tableInputs(stamped));
    expect(fe.statements(/ADD COLUMN `shipped_at`/)).toEqual(["ALTER TABLE `shop`.`orders` ADD COLUMN `shipped_at` DATETIME NOT NULL DEFAULT '1970-01-01 00:00:00' AFTER `quantity`"]);
    const doc = withColumns(added, (cols) => [...cols, { name: "doc", type: { kind: "mapped", mysql: "json", flinkSource: "STRING", flinkSink: "STRING", starrocks: "JSON" }, nullable: false }]);
    const err = await rejection(diff(p, id, outs2, tableInputs(doc)));
    expect(err.message).toMatch(/column doc: a NOT NULL JSON column cannot be added to existing rows/);
  });

  test("table: a longer VARCHAR and NOT NULL -> NULL on value columns are applied in place with MODIFY COLUMN", async () => {
    withVolume();
    fe.addDatabase("shop");
    const p = tableProvider;
    const withQty = withColumns(orders, (cols) => [...cols, { name: "quantity", type: { kind: "int" }, nullable: false }]);
    const { id, outs } = await create(p, tableInputs());
    const outs2 = await update(p, id, outs, tableInputs(withQty));
    const relaxed = withColumns(withQty, (cols) =>
      cols.map((c) => (c.name === "status" ? { ...c, type: { kind: "varchar" as const, length: 40 } } : c.name === "customer_id" || c.name === "quantity" ? { ...c, nullable: true } : c)),
    );
    expect(await diff(p, id, outs2, tableInputs(relaxed))).toMatchObject({ changes: true, replaces: [] });
    const outs3 = await update(p, id, outs2, tableInputs(relaxed));
    expect(fe.statements(/MODIFY COLUMN/)).toEqual([
      "ALTER TABLE `shop`.`orders` MODIFY COLUMN `customer_id` BIGINT NULL",
      "ALTER TABLE `shop`.`orders` MODIFY COLUMN `status` VARCHAR(160) NOT NULL",
      // The DEFAULT it was added with is restated unchanged, as StarRocks requires.
      "ALTER TABLE `shop`.`orders` MODIFY COLUMN `quantity` INT NULL DEFAULT '0'",
    ]);
    expect(fe.table("shop", "orders").columns.find((c) => c.name === "status")).toMatchObject({ type: "VARCHAR(160)", nullable: false });
    expect(fe.table("shop", "orders").columns.map((c) => c.name)).toEqual(withQty.columns.map((c) => c.name));
    expect((await diff(p, id, outs3, tableInputs(relaxed))).changes).toBe(false);

    // Back to NOT NULL, or a key column's type: not in place.
    expect((await rejection(diff(p, id, outs3, tableInputs(withQty)))).message).toMatch(/column customer_id: NULL -> NOT NULL/);
    const rekeyed = withColumns(relaxed, (cols) => cols.map((c) => (c.name === "order_id" ? { ...c, type: { kind: "int" as const } } : c)));
    expect((await rejection(diff(p, id, outs3, tableInputs(rekeyed)))).message).toMatch(/column order_id: type BIGINT -> INT/);
  });

  test("table: delete drops with FORCE, not blocked by loads COMMITTED but not yet VISIBLE", async () => {
    withVolume();
    fe.addDatabase("shop");
    const p = tableProvider;
    const { id, outs } = await create(p, tableInputs());
    fe.commitTransaction("shop", "orders");
    await del(p, id, outs);
    expect(fe.databases.get("shop")!.has("orders")).toBe(false);
    expect(fe.statements(/^DROP TABLE/)).toEqual(["DROP TABLE IF EXISTS `shop`.`orders` FORCE"]);
    expect(fe.recycled()).toEqual([]);
  });

  test("table and database: a plain DROP (forceDrop false) is retried until COMMITTED loads turn VISIBLE", async () => {
    withVolume();
    fe.addDatabase("shop");
    const p = tableProvider;
    const { id, outs } = await create(p, tableInputs(orders, { forceDrop: false }));
    fe.commitTransaction("shop", "orders", 1200);
    const started = Date.now();
    await del(p, id, outs);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(fe.statements(/^DROP TABLE/).length).toBeGreaterThan(1);
    expect(new Set(fe.statements(/^DROP TABLE/))).toEqual(new Set(["DROP TABLE IF EXISTS `shop`.`orders`"]));
    expect(fe.recycled()).toEqual(["shop.orders"]);

    // A load that never turns VISIBLE: the drop gives up after timeoutMs, saying what blocks it and what to do.
    fe.commitTransaction("shop", "customers");
    const db = { ...conn(), database: "shop", forceDrop: false, timeoutMs: 1500 };
    const err = await rejection(del(databaseProvider, "shop", db));
    expect(err.message).toMatch(/timed out after \d+s waiting for StarRocks to accept DROP DATABASE shop.*COMMITTED state.*stop what writes to it \(its CDC job\), or drop it with FORCE/);
    fe.publishTransactions();
    await del(databaseProvider, "shop", db);
    expect(fe.databases.has("shop")).toBe(false);
  });
});

describe("the FE fake behaves like StarRocks 3.5", () => {
  const sql = (s: string) => withMysql({ host: fe.host, port: fe.port, user: "root", password: "" }, { timeoutMs: 5000 }, (c) => query(c, s));

  test("SHOW COMPUTE NODES has 3.5's shared-data columns; a node is not Alive before the first heartbeat", async () => {
    await sql(`ALTER SYSTEM ADD COMPUTE NODE "starrocks-cn-0:9050"`);
    const [before] = await sql("SHOW COMPUTE NODES");
    expect(Object.keys(before)).toEqual([
      "ComputeNodeId", "IP", "HeartbeatPort", "BePort", "HttpPort", "BrpcPort", "LastStartTime", "LastHeartbeat", "Alive",
      "SystemDecommissioned", "ClusterDecommissioned", "ErrMsg", "Version", "CpuCores", "MemLimit", "NumRunningQueries",
      "MemUsedPct", "CpuUsedPct", "DataCacheMetrics", "HasStoragePath", "StatusCode", "StarletPort", "WorkerId", "WarehouseName",
      "TabletNum",
    ]);
    expect(before).toMatchObject({ Alive: "false", LastHeartbeat: "NULL" });
    await new Promise((r) => setTimeout(r, 300));
    expect((await sql("SHOW COMPUTE NODES"))[0]).toMatchObject({ Alive: "true", WarehouseName: "default_warehouse" });
  });

  test("DDL preconditions: a default volume for CREATE DATABASE, an alive node for CREATE TABLE, a DEFAULT for NOT NULL columns", async () => {
    await expect(sql("CREATE DATABASE d")).rejects.toThrow(/Default storage volume not exists, it should be created first/);
    fe.volumes.set("v", { type: "S3", location: "s3://b/x", params: {}, enabled: true, comment: "" });
    fe.defaultVolume = "v";
    await sql("CREATE DATABASE d");
    const ddl = "CREATE TABLE d.t (id BIGINT NOT NULL, v INT NULL) PRIMARY KEY (id) DISTRIBUTED BY HASH(id)";
    await expect(sql(ddl)).rejects.toMatchObject({ errno: 10005, message: "No alive backend or compute node in warehouse default_warehouse." });
    fe.addNodeOutOfBand("cn", 9050);
    await sql(ddl);
    await expect(sql("ALTER TABLE d.t ADD COLUMN n INT NOT NULL")).rejects.toMatchObject({ errno: 1364, message: "Field 'n' is not null but doesn't have a default value" });
    await expect(sql("ALTER TABLE d.t MODIFY COLUMN v INT NOT NULL")).rejects.toThrow(/Can not change from nullable to non-nullable/);
    await expect(sql("ALTER TABLE d.t MODIFY COLUMN id INT NOT NULL")).rejects.toThrow(/Can not modify key column: id for primary key table/);
  });

  test("DROP without FORCE waits for COMMITTED loads; dropped objects keep their volume referenced from the recycle bin", async () => {
    fe.volumes.set("v", { type: "S3", location: "s3://b/x", params: {}, enabled: true, comment: "" });
    fe.defaultVolume = "v";
    fe.addNodeOutOfBand("cn", 9050);
    await sql("CREATE DATABASE d");
    await sql("CREATE TABLE d.t (id BIGINT NOT NULL) PRIMARY KEY (id) DISTRIBUTED BY HASH(id)");
    fe.commitTransaction("d", "t");
    await expect(sql("DROP TABLE d.t")).rejects.toThrow(/There are still some transactions in the COMMITTED state waiting to be completed. The table \[t\] cannot be dropped/);
    await expect(sql("DROP DATABASE d")).rejects.toThrow(/The database \[d\] cannot be dropped/);
    fe.publishTransactions();
    await sql("DROP DATABASE d");
    fe.volumes.set("w", { type: "S3", location: "s3://b/y", params: {}, enabled: true, comment: "" });
    fe.defaultVolume = "w";
    await expect(sql("DROP STORAGE VOLUME v")).rejects.toThrow(/Storage volume 'v' is referenced by dbs or tables, dbs: \[\d+\], tables: \[\d+\]/);
    fe.expireRecycleBin();
    await sql("DROP STORAGE VOLUME v");
    await expect(sql("DROP STORAGE VOLUME w")).rejects.toThrow(/default storage volume can not be removed/);
  });
});

describe("LoaderUser", () => {
  const p = loaderUserProvider;
  const inputs = (extra: Record<string, unknown> = {}) => ({ ...conn(), loaderUser: "flink_loader", loaderPassword: "loader-pw-1", database: "shop", ...extra });

  test("create with grants, no-op, rotation in place, drift (grants, password), gone, adopt, delete", async () => {
    const { id, outs } = await create(p, inputs());
    expect(outs).toMatchObject({ missingPrivileges: [], passwordWorks: true });
    expect(fe.users.get("flink_loader")!.grants).toContain("GRANT SELECT, INSERT ON ALL TABLES IN DATABASE shop TO USER 'flink_loader'@'%'");
    expect((await diff(p, id, outs, inputs())).changes).toBe(false);

    expect(await diff(p, id, outs, inputs({ loaderPassword: "loader-pw-2" }))).toMatchObject({ changes: true, replaces: [] });
    const outs2 = await update(p, id, outs, inputs({ loaderPassword: "loader-pw-2" }));
    expect(outs2.passwordWorks).toBe(true);
    expect(fe.statements(/^ALTER USER/).length).toBe(1);
    expect(fe.statements(/^CREATE USER/).length).toBe(1);

    fe.revokeAll("flink_loader");
    const r = await read(p, id, outs2);
    expect(r.props.missingPrivileges).toEqual(["SELECT", "INSERT"]);
    expect((await diff(p, id, r.props, inputs({ loaderPassword: "loader-pw-2" }))).changes).toBe(true);
    await update(p, id, r.props, inputs({ loaderPassword: "loader-pw-2" }));
    expect((await read(p, id, outs2)).props.missingPrivileges).toEqual([]);

    fe.setPasswordOutOfBand("flink_loader", "other");
    expect((await read(p, id, outs2)).props.passwordWorks).toBe(false);

    fe.deleteUser("flink_loader");
    expect((await read(p, id, outs2)).id).toBe("");
    await create(p, inputs({ loaderPassword: "loader-pw-2" }));
    expect(fe.users.has("flink_loader")).toBe(true);

    await del(p, id, outs2);
    expect(fe.users.has("flink_loader")).toBe(false);
    await del(p, id, outs2);
  });

  test("a new sink database moves the grant: the old database's privileges are revoked, in place", async () => {
    const { id, outs } = await create(p, inputs());
    expect(await diff(p, id, outs, inputs({ database: "shop2" }))).toMatchObject({ changes: true, replaces: [] });
    const outs2 = await update(p, id, outs, inputs({ database: "shop2" }));
    expect(fe.users.get("flink_loader")!.grants.filter((g) => / ON /.test(g))).toEqual(["GRANT SELECT, INSERT ON ALL TABLES IN DATABASE shop2 TO USER 'flink_loader'@'%'"]);
    expect(fe.statements(/^REVOKE/)).toEqual(["REVOKE SELECT, INSERT ON ALL TABLES IN DATABASE `shop` FROM USER 'flink_loader'@'%'"]);
    expect(outs2).toMatchObject({ missingPrivileges: [], staleGrants: [] });

    expect(outs2.previousDatabases).toEqual(["shop"]);

    // The old database's grant given back by hand shows on refresh and is revoked again by the next up.
    await withMysql({ host: fe.host, port: fe.port, user: "root", password: "" }, { timeoutMs: 5000 }, (c) =>
      query(c, "GRANT SELECT ON ALL TABLES IN DATABASE shop TO USER 'flink_loader'@'%'"));
    const r = await read(p, id, outs2);
    expect(r.props.staleGrants).toEqual(["shop"]);
    expect((await diff(p, id, r.props, inputs({ database: "shop2" }))).changes).toBe(true);
    await update(p, id, r.props, inputs({ database: "shop2" }));
    expect((await read(p, id, outs2)).props.staleGrants).toEqual([]);

    // A grant on a database this resource never managed (another stack's, or by hand) is reported, never revoked.
    await withMysql({ host: fe.host, port: fe.port, user: "root", password: "" }, { timeoutMs: 5000 }, (c) =>
      query(c, "GRANT SELECT ON ALL TABLES IN DATABASE other TO USER 'flink_loader'@'%'"));
    const r2 = await read(p, id, outs2);
    expect(r2.props).toMatchObject({ staleGrants: [], foreignGrants: ["other"] });
    expect((await diff(p, id, r2.props, inputs({ database: "shop2" }))).changes).toBe(false);
    await update(p, id, r2.props, inputs({ database: "shop2", loaderPassword: "loader-pw-3" }));
    expect(fe.users.get("flink_loader")!.grants).toContain("GRANT SELECT ON ALL TABLES IN DATABASE other TO USER 'flink_loader'@'%'");
  });

  describe("two stacks on one StarRocks", () => {
    // What each stack's program passes: its own sink database and its config's loader user.
    const stack = (name: string, database: string, loaderUser: string) => ({ ...conn(), loaderUser, loaderPassword: `${name}-loader-pw`, database });
    const loaderGrants = (user: string) => fe.users.get(user)!.grants.filter((g) => / ON /.test(g));

    test("default names differ per stack, and both keep their grants", async () => {
      const a = await create(p, stack("a", "shop_a", defaultLoaderUser("a")));
      const b = await create(p, stack("b", "shop_b", defaultLoaderUser("b")));
      expect([a.id, b.id]).toEqual(["flink_loader_a", "flink_loader_b"]);
      expect(loaderGrants("flink_loader_a")).toEqual(["GRANT SELECT, INSERT ON ALL TABLES IN DATABASE shop_a TO USER 'flink_loader_a'@'%'"]);
      expect(loaderGrants("flink_loader_b")).toEqual(["GRANT SELECT, INSERT ON ALL TABLES IN DATABASE shop_b TO USER 'flink_loader_b'@'%'"]);
      // Each stack's refresh and next up leave the other alone.
      expect((await read(p, a.id, a.outs)).props).toMatchObject({ missingPrivileges: [], staleGrants: [], foreignGrants: [], passwordWorks: true });
      await update(p, b.id, b.outs, stack("b", "shop_b", defaultLoaderUser("b")));
      expect(fe.statements(/^REVOKE|^DROP USER/)).toEqual([]);
    });

    test("the same explicit name: the second stack refuses to take over the first stack's user", async () => {
      await create(p, stack("a", "shop_a", "flink_loader"));
      const err = await rejection(create(p, stack("b", "shop_b", "flink_loader")));
      expect(err.message).toBe(adoptionRefusal("flink_loader", "shop_b", ["shop_a"]));
      expect(err.message).toMatch(/config set loaderUser/);
      expect(loaderGrants("flink_loader")).toEqual(["GRANT SELECT, INSERT ON ALL TABLES IN DATABASE shop_a TO USER 'flink_loader'@'%'"]);
      expect(fe.statements(/^REVOKE|^GRANT|^ALTER USER/).filter((q) => /shop_b|ALTER/.test(q))).toEqual([]);
      // Stack a's password still works: b did not set its own.
      expect((await read(p, "flink_loader", { ...stack("a", "shop_a", "flink_loader") })).props.passwordWorks).toBe(true);
    });

    test("upgrading two stacks that shared flink_loader: the rename creates the new user first, and the old one keeps the other stack's grant", async () => {
      // As the old default left them: one user, both stacks' grants, both states naming it.
      const a = await create(p, stack("a", "shop_a", "flink_loader"));
      await withMysql({ host: fe.host, port: fe.port, user: "root", password: "" }, { timeoutMs: 5000 }, (c) =>
        query(c, "GRANT SELECT, INSERT ON ALL TABLES IN DATABASE shop_b TO USER 'flink_loader'@'%'"));
      const bOld = { ...stack("b", "shop_b", "flink_loader"), missingPrivileges: [], staleGrants: [], passwordWorks: true };

      // Stack b's next up with the new default: replace, create before delete (the delete shown here is this
      // provider's; a state written by the old provider is deleted by the old code, see README "External StarRocks").
      const d = await diff(p, "flink_loader", bOld, stack("b", "shop_b", defaultLoaderUser("b")));
      expect(d).toMatchObject({ changes: true, replaces: ["loaderUser"], deleteBeforeReplace: false });
      const bNew = await create(p, stack("b", "shop_b", defaultLoaderUser("b")));
      expect(bNew.id).toBe("flink_loader_b");
      await del(p, "flink_loader", bOld);
      // The old user stays for stack a with a's grant only; b's grant on shop_b was taken back.
      expect(fe.users.has("flink_loader")).toBe(true);
      expect(loaderGrants("flink_loader")).toEqual(["GRANT SELECT, INSERT ON ALL TABLES IN DATABASE shop_a TO USER 'flink_loader'@'%'"]);
      expect(loaderGrants("flink_loader_b")).toEqual(["GRANT SELECT, INSERT ON ALL TABLES IN DATABASE shop_b TO USER 'flink_loader_b'@'%'"]);
      expect((await read(p, a.id, a.outs)).props).toMatchObject({ missingPrivileges: [], staleGrants: [], foreignGrants: [], passwordWorks: true });

      // Stack a's own rename later: nothing else holds the old user, so it is dropped.
      await create(p, stack("a", "shop_a", defaultLoaderUser("a")));
      await del(p, "flink_loader", a.outs);
      expect(fe.users.has("flink_loader")).toBe(false);
    });
  });

  test("an existing user is adopted and gets the stack's password", async () => {
    fe.users.set("flink_loader", { grants: [] });
    const { outs } = await create(p, inputs());
    expect(outs.passwordWorks).toBe(true);
    expect(fe.statements(/^CREATE USER/)).toEqual([]);
    expect(fe.statements(/^ALTER USER/).length).toBe(1);
  });
});
