/**
 * How a value read from the source compares with the value the pipeline wrote to StarRocks, per catalog
 * column type. Values are exactly what mysql2 returns from a connection opened with
 * `{ dateStrings: true, supportBigNumbers: true, bigNumberStrings: true }` (binary columns as Buffer).
 *
 * Provisional: covers the demo catalog's five kinds (bigint, int, varchar, decimal, datetime(3)).
 */
import { Column } from "./tables";

/**
 * The value in one text form both sides agree on, or null for SQL NULL. Numbers lose only leading zeros
 * and a `+`; decimals get exactly the column's scale (StarRocks and MySQL both print it, this guards a
 * driver that does not); DATETIME gets six fractional digits, since StarRocks DATETIME keeps
 * microseconds and MySQL DATETIME(3) prints three.
 */
export function canonicalValue(column: Column, value: unknown, side: "source" | "sink"): string | null {
  void side; // the demo kinds are mapped without a transform, so both sides canonicalise alike
  if (value === null || value === undefined) return null;
  const text = Buffer.isBuffer(value) ? value.toString("utf8") : String(value);
  switch (column.type.kind) {
    case "bigint":
    case "int":
      return canonicalNumber(text, 0);
    case "decimal":
      return canonicalNumber(text, column.type.scale);
    case "datetime":
      return canonicalDatetime(text);
    case "varchar":
      return text;
  }
}

/** True when the sink holds the value the source holds, by the column's type mapping. */
export function valuesEqual(column: Column, source: unknown, sink: unknown): boolean {
  return canonicalValue(column, source, "source") === canonicalValue(column, sink, "sink");
}

/** `-007.5` at scale 2 -> `-7.50`; a value that is not a plain decimal is returned unchanged (and so differs). */
function canonicalNumber(text: string, scale: number): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return text;
  const int = m[2].replace(/^0+(?=\d)/, "") || "0";
  let frac = m[3] ?? "";
  // Never cut digits: a value with more fraction than the scale must stay different.
  if (frac.length < scale) frac = frac.padEnd(scale, "0");
  else if (frac.length > scale) frac = frac.replace(/0+$/, "").padEnd(scale, "0");
  const zero = /^0*$/.test(int + frac);
  const sign = m[1] === "-" && !zero ? "-" : "";
  return sign + int + (frac ? "." + frac : "");
}

/** `2026-01-02 03:04:05.1` -> `2026-01-02 03:04:05.100000`; anything else unchanged. */
function canonicalDatetime(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (!m) return text;
  const frac = (m[3] ?? "").padEnd(6, "0");
  // More than six digits cannot come from either side; keep them so they show as a difference.
  return `${m[1]} ${m[2]}.${frac.length > 6 && /[1-9]/.test(frac.slice(6)) ? frac : frac.slice(0, 6)}`;
}
