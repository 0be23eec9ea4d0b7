/**
 * Schema changes as data (catalog/diff.ts): each kind of source change between the deployed definition and
 * the current one, with its class, the StarRocks statements `up` runs and the job's action in words.
 */
import { PREVIEW_LINE_MAX, classifyTypeChange, describeChange, diffCatalog, diffTable, previewLines } from "../../catalog/diff";
import { Column, TableDef, findTable } from "../../catalog/tables";

const O = { database: "shop_sr" };
const orders = findTable("orders");
const customers = findTable("customers");
const withColumns = (t: TableDef, columns: Column[]): TableDef => ({ ...t, columns });
const col = (name: string, type: Column["type"], nullable = true): Column => ({ name, type, nullable });

describe("diffTable", () => {
  test("the same definition has no changes", () => {
    expect(diffTable(orders, orders, O)).toEqual([]);
  });

  test("an added nullable column in the middle: ADD COLUMN … AFTER, and the table's job re-snapshots", () => {
    const cols = [...orders.columns];
    cols.splice(2, 0, col("coupon", { kind: "varchar", length: 10 }));
    const [c, ...rest] = diffTable(orders, withColumns(orders, cols), O);
    expect(rest).toEqual([]);
    expect(c).toMatchObject({ table: "orders", column: "coupon", kind: "add-column", class: "re-snapshot" });
    expect(c.starrocks).toEqual(["ALTER TABLE `shop_sr`.`orders` ADD COLUMN `coupon` VARCHAR(40) NULL AFTER `customer_id`"]);
    expect(c.job).toMatch(/WITHOUT state/);
  });

  test("an added NOT NULL column gets MySQL's implicit default for old rows", () => {
    const [c] = diffTable(orders, withColumns(orders, [...orders.columns, col("priority", { kind: "int" }, false)]), O);
    expect(c.class).toBe("re-snapshot");
    expect(c.starrocks).toEqual(["ALTER TABLE `shop_sr`.`orders` ADD COLUMN `priority` INT NOT NULL DEFAULT '0' AFTER `updated_at`"]);
  });

  test("an added NOT NULL DATETIME gets the epoch as a placeholder DEFAULT (the re-snapshot loads the real values); a NOT NULL JSON is refused", () => {
    const [c] = diffTable(orders, withColumns(orders, [...orders.columns, col("shipped_at", { kind: "datetime" }, false)]), O);
    expect(c).toMatchObject({ class: "re-snapshot", column: "shipped_at", kind: "add-column", starrocks: ["ALTER TABLE `shop_sr`.`orders` ADD COLUMN `shipped_at` DATETIME NOT NULL DEFAULT '1970-01-01 00:00:00' AFTER `updated_at`"] });
    const json = { kind: "mapped" as const, mysql: "json", flinkSource: "STRING", flinkSink: "STRING", starrocks: "JSON" };
    const [j] = diffTable(orders, withColumns(orders, [...orders.columns, col("doc", json, false)]), O);
    expect(j).toMatchObject({ class: "refused", column: "doc", kind: "not-null-without-default" });
    expect(describeChange(j)).toMatch(/orders\.doc.*Refused.*allowDestructiveChanges/);
  });

  test("a longer VARCHAR is changed in place and the job upgraded through a savepoint", () => {
    const cols = customers.columns.map((c) => (c.name === "city" ? col("city", { kind: "varchar", length: 200 }) : c));
    const [c] = diffTable(customers, withColumns(customers, cols), O);
    expect(c).toMatchObject({ kind: "widen-type", class: "in-place", column: "city" });
    expect(c.starrocks).toEqual(["ALTER TABLE `shop_sr`.`customers` MODIFY COLUMN `city` VARCHAR(800) NULL"]);
    // A VARCHAR is a Flink STRING whatever its length: the job's SQL does not change.
    expect(c.job).toMatch(/^unchanged: its Flink SQL stays the same \(STRING\)/);
  });

  test("INT -> BIGINT and a wider DECIMAL change StarRocks in place and re-snapshot (the old job wrapped wider values); a shorter VARCHAR, a narrower int, another family are refused", () => {
    const products = findTable("products");
    const change = (name: string, type: Column["type"]) => diffTable(products, withColumns(products, products.columns.map((c) => (c.name === name ? { ...c, type } : c))), O);
    expect(change("stock", { kind: "bigint" })[0]).toMatchObject({ class: "re-snapshot", kind: "widen-type", starrocks: ["ALTER TABLE `shop_sr`.`products` MODIFY COLUMN `stock` BIGINT NOT NULL"], job: expect.stringMatching(/WITHOUT state with the wider type.*wrapped or NULL/) });
    expect(change("price", { kind: "decimal", precision: 14, scale: 2 })[0]).toMatchObject({ class: "re-snapshot", kind: "widen-type" });
    // StarRocks keeps every digit: a wider scale with the integer digits kept is a widening; fewer of either is not.
    expect(change("price", { kind: "decimal", precision: 14, scale: 4 })[0]).toMatchObject({ class: "re-snapshot", kind: "widen-type" });
    expect(change("price", { kind: "decimal", precision: 11, scale: 4 })[0]).toMatchObject({ class: "refused", kind: "narrow-type", what: "column price: DECIMAL integer digits lowered from 8 to 7" });
    expect(change("price", { kind: "decimal", precision: 14, scale: 1 })[0]).toMatchObject({ class: "refused", kind: "narrow-type", what: "column price: DECIMAL scale lowered from 2 to 1" });
    expect(change("name", { kind: "varchar", length: 20 })[0]).toMatchObject({ class: "refused", kind: "narrow-type", column: "name" });
    expect(change("category", { kind: "int" })[0]).toMatchObject({ class: "refused", kind: "change-type-family" });
  });

  test("a dropped column is kept in StarRocks by default (a NOT NULL one made nullable), dropped when configured", () => {
    const cur = withColumns(orders, orders.columns.filter((c) => c.name !== "status"));
    const [kept] = diffTable(orders, cur, O);
    expect(kept).toMatchObject({ kind: "keep-column", class: "re-snapshot", starrocks: ["ALTER TABLE `shop_sr`.`orders` MODIFY COLUMN `status` VARCHAR(80) NULL"] });
    const [dropped] = diffTable(orders, cur, { ...O, dropRemovedColumns: true });
    expect(dropped).toMatchObject({ kind: "drop-column", starrocks: ["ALTER TABLE `shop_sr`.`orders` DROP COLUMN `status`"] });
  });

  test("NULL -> NOT NULL and a key change are refused with the way out", () => {
    const tight = diffTable(customers, withColumns(customers, customers.columns.map((c) => (c.name === "city" ? { ...c, nullable: false } : c))), O);
    expect(tight[0]).toMatchObject({ kind: "tighten-null", class: "refused" });
    const rekeyed = diffTable(orders, { ...orders, key: ["order_id", "customer_id"] }, O);
    expect(rekeyed[0]).toMatchObject({ kind: "key-change", class: "refused" });
    expect(describeChange(rekeyed[0])).toMatch(/primary key \(order_id\) -> \(order_id, customer_id\).*Way out/);
  });
});

describe("diffCatalog", () => {
  test("a new table is created and replicated from a snapshot; a table gone stops its job and keeps its rows", () => {
    const changes = diffCatalog([orders], [customers], O);
    expect(changes.map((c) => [c.table, c.class])).toEqual([["customers", "new-table"], ["orders", "dropped-table"]]);
    expect(changes[1].starrocks).toEqual([]);
    expect(diffCatalog([orders], [], { ...O, dropRemovedTables: true })[0].starrocks).toEqual(["DROP TABLE `shop_sr`.`orders` FORCE"]);
  });
});

describe("classifyTypeChange", () => {
  test("widening along a family only", () => {
    expect(classifyTypeChange("VARCHAR(10)", "VARCHAR(10)")).toEqual({ change: "same" });
    expect(classifyTypeChange("SMALLINT", "BIGINT")).toEqual({ change: "widen" });
    expect(classifyTypeChange("BIGINT", "INT").change).toBe("narrow");
    expect(classifyTypeChange("DATETIME", "VARCHAR(40)").change).toBe("family");
  });
});

describe("previewLines", () => {
  test("each change as lines pulumi preview --diff shows whole: the change, then its statement and the job's action, wrapped at 150", () => {
    const orders = findTable("orders");
    const cols = [...orders.columns];
    cols.splice(2, 0, col("coupon", { kind: "varchar", length: 10 }));
    const lines = previewLines(diffTable(orders, withColumns(orders, cols), O));
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(PREVIEW_LINE_MAX);
    expect(lines[0]).toBe("orders.coupon: column coupon VARCHAR(40) NULL added [re-snapshot]");
    expect(lines[1]).toBe("  StarRocks: ALTER TABLE `shop_sr`.`orders` ADD COLUMN `coupon` VARCHAR(40) NULL AFTER `customer_id`");
    expect(lines[2]).toMatch(/^  Job: stopped with a savepoint and started again WITHOUT state/);
    expect(lines.slice(3).every((l) => l.startsWith("      "))).toBe(true);
    // Nothing lost to the wrapping.
    expect(lines.slice(2).map((l) => l.trim()).join(" ")).toBe(`Job: ${diffTable(orders, withColumns(orders, cols), O)[0].job}`);
  });
});
