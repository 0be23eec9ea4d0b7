/**
 * The built-in demo tables: the managed default catalog (`catalog: demo`).
 *
 * MySQL DDL (render/mysql.ts), StarRocks DDL (render/starrocks.ts) and the Flink SQL of each CDC job
 * (render/flinkJob.ts) are all rendered from these definitions, so a column added here reaches all three. The
 * definition itself is catalog/definition.ts; a source's own tables come from catalog/source.ts.
 */

import { Column, ColumnType, TableDef } from "./definition";

export type { Arrival, Column, ColumnType, MappedType, TableDef } from "./definition";
export { arrivalOf, valueColumns } from "./definition";

const bigint: ColumnType = { kind: "bigint" };
const int: ColumnType = { kind: "int" };
const datetime: ColumnType = { kind: "datetime" };
const varchar = (length: number): ColumnType => ({ kind: "varchar", length });
const decimal = (precision: number, scale: number): ColumnType => ({ kind: "decimal", precision, scale });

const col = (name: string, type: ColumnType, nullable = true, comment?: string): Column => ({ name, type, nullable, comment });

export const TABLES: readonly TableDef[] = [
  {
    name: "orders",
    key: ["order_id"],
    description: "One row per customer order.",
    columns: [
      col("order_id", bigint, false),
      col("customer_id", bigint, false),
      col("status", varchar(20), false),
      col("total_amount", decimal(12, 2), false),
      col("order_date", datetime, false),
      col("updated_at", datetime, false),
    ],
  },
  {
    name: "customers",
    key: ["customer_id"],
    description: "Customer master data.",
    columns: [
      col("customer_id", bigint, false),
      col("name", varchar(100), false),
      col("email", varchar(255), false),
      col("city", varchar(100)),
      col("created_at", datetime, false),
      col("updated_at", datetime, false),
    ],
  },
  {
    name: "products",
    key: ["product_id"],
    description: "Product catalogue with current stock.",
    columns: [
      col("product_id", bigint, false),
      col("name", varchar(200), false),
      col("category", varchar(50), false),
      col("price", decimal(10, 2), false),
      col("stock", int, false),
      col("updated_at", datetime, false),
    ],
  },
  {
    name: "order_items",
    key: ["item_id"],
    description: "Order lines.",
    columns: [
      col("item_id", bigint, false),
      col("order_id", bigint, false),
      col("product_id", bigint, false),
      col("quantity", int, false),
      col("unit_price", decimal(10, 2), false),
      col("created_at", datetime, false),
    ],
  },
  {
    name: "inventory_movements",
    key: ["movement_id"],
    description: "Stock changes (receipts, sales, adjustments).",
    columns: [
      col("movement_id", bigint, false),
      col("product_id", bigint, false),
      col("movement_type", varchar(20), false),
      col("quantity", int, false),
      col("created_at", datetime, false),
    ],
  },
  {
    name: "cdc_heartbeat",
    key: ["probe_id"],
    description: "Probe rows written by `cdc monitor` to measure end-to-end freshness.",
    internal: true,
    columns: [
      col("probe_id", bigint, false),
      col("sent_at", datetime, false),
      col("note", varchar(64)),
    ],
  },
];

/** Names of the user-facing tables a stack may select with the `tables` config key. */
export const SELECTABLE_TABLES: readonly string[] = TABLES.filter((t) => !t.internal).map((t) => t.name);

export const HEARTBEAT_TABLE = "cdc_heartbeat";

export function findTable(name: string): TableDef {
  const t = TABLES.find((x) => x.name === name);
  if (!t) throw new Error(`unknown table "${name}"; known tables: ${TABLES.map((x) => x.name).join(", ")}`);
  return t;
}

/** The tables a stack replicates: the selected ones in catalog order, plus the internal ones. */
export function replicatedTables(selected: readonly string[]): TableDef[] {
  return TABLES.filter((t) => t.internal || selected.includes(t.name));
}
