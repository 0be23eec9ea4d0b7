/**
 * Value comparison between the MySQL source and StarRocks, by the catalog's own account of how each column's
 * value arrives (Column.arrives, or what a demo column's type implies: definition.ts arrivalOf).
 *
 * Values are what mysql2 returns from a connection opened with
 * `{ dateStrings: true, supportBigNumbers: true, bigNumberStrings: true }`, on the source (MySQL or MariaDB)
 * and on StarRocks: temporal values as strings, big integers and decimals as strings, binary and BIT columns
 * as Buffers, MySQL JSON already parsed, spatial values parsed into `{x, y}` points and arrays of them.
 *
 * canonicalValue turns either side's value into one string (or null for SQL NULL) so that a value that
 * arrived as documented gives the same string on both sides. `cdc verify` and the real-tier all-types test
 * use these two functions; README "Replicating your own database" documents the same transforms.
 */
import { Arrival, Column, arrivalOf } from "./definition";

export type Side = "source" | "sink";

/** The canonical text of one side's value of `column`; null for SQL NULL (or what arrives as NULL). */
export function canonicalValue(column: Column, value: unknown, side: Side): string | null {
  if (value === null || value === undefined) return null;
  const a = arrivalOf(column);
  return canonical(a, column.nullable, value, side);
}

/** True when the sink holds what the source value becomes on its way (see canonicalValue). */
export function valuesEqual(column: Column, source: unknown, sink: unknown): boolean {
  return canonicalValue(column, source, "source") === canonicalValue(column, sink, "sink");
}

function canonical(a: Arrival, nullable: boolean, value: unknown, side: Side): string | null {
  switch (a.kind) {
    case "integer":
      return integer(value);
    case "decimal":
      return decimal(text(value));
    case "float": {
      const n = Number(text(value));
      const v = a.bits === 32 ? Math.fround(n) : n;
      return Object.is(v, -0) ? "0" : String(v);
    }
    case "bit-boolean":
      return bitBoolean(value);
    case "bit-integer":
      return side === "source" ? bitAsSinkInteger(value, a.bits) : integer(value);
    case "text":
      return text(value);
    case "json":
      return json(value, side);
    case "date": {
      const t = text(value);
      if (isZeroDate(t)) return nullable ? null : (a.zero ?? "1970-01-01");
      return t.slice(0, 10);
    }
    case "datetime": {
      const t = text(value);
      if (isZeroDate(t)) return nullable ? null : dateTime(a.zero);
      return dateTime(t);
    }
    case "time-micros":
      return side === "source" ? timeMicros(text(value)) : integer(value);
    case "base64":
      return base64(value, side, a.padTo);
    case "geojson":
      return geo(value, side);
  }
}

function text(v: unknown): string {
  if (Buffer.isBuffer(v)) return v.toString("utf8");
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

function integer(v: unknown): string {
  if (typeof v === "boolean") return v ? "1" : "0";
  const t = text(v).trim();
  try {
    return BigInt(t).toString();
  } catch {
    // Not an integer at all: keep the text, so it compares unequal to any integer.
    return t;
  }
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** An exact decimal in plain notation without redundant zeros: `1E-8` → `0.00000001`, `1.50` → `1.5`, `-0.0` → `0`. */
export function decimal(t: string): string {
  const m = DECIMAL.exec(t.trim());
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return t;
  const sign = m[1] === "-" ? "-" : "";
  let all = m[2] + (m[3] ?? "");
  let point = m[2].length + Number(m[4] ?? 0);
  const lead = all.length - all.replace(/^0+/, "").length;
  all = all.slice(lead);
  point -= lead;
  if (all === "") return "0";
  if (point < 0) {
    all = "0".repeat(-point) + all;
    point = 0;
  }
  if (point > all.length) all += "0".repeat(point - all.length);
  const int = all.slice(0, point) || "0";
  const frac = all.slice(point).replace(/0+$/, "");
  if (int === "0" && !frac) return "0";
  return sign + int + (frac ? "." + frac : "");
}

function bitBoolean(v: unknown): string {
  if (Buffer.isBuffer(v)) return v.some((b) => b !== 0) ? "1" : "0";
  if (typeof v === "boolean") return v ? "1" : "0";
  const t = text(v).trim().toLowerCase();
  if (t === "true") return "1";
  if (t === "false") return "0";
  return integer(t) === "0" ? "0" : integer(t) === "1" ? "1" : t;
}

/**
 * The integer StarRocks receives for a BIT(bits) value: Debezium emits the m = ⌈bits/8⌉ bytes little-endian
 * and the sink reads them big-endian into a signed long, which is the MySQL (big-endian) bytes read
 * little-endian, made signed at 8 bytes.
 */
function bitAsSinkInteger(v: unknown, bits: number): string {
  const m = Math.ceil(bits / 8);
  let be: Buffer;
  if (Buffer.isBuffer(v)) be = v;
  else {
    // An integer given instead of the bytes: its m big-endian bytes.
    let n = BigInt(integer(v));
    const bytes: number[] = [];
    for (let i = 0; i < m; i++) {
      bytes.unshift(Number(n & 0xffn));
      n >>= 8n;
    }
    be = Buffer.from(bytes);
  }
  const padded = Buffer.concat([Buffer.alloc(Math.max(0, m - be.length)), be]).subarray(-m);
  let value = 0n;
  // Little-endian reading of the big-endian bytes: byte k (from the most significant) weighs 256^k.
  for (let k = 0; k < m; k++) value += BigInt(padded[k]) << BigInt(8 * k);
  if (m === 8 && value >= 1n << 63n) value -= 1n << 64n;
  return value.toString();
}

function isZeroDate(t: string): boolean {
  return /^0000-00-00/.test(t) || /^\d{4}-(00-|\d{2}-00)/.test(t);
}

const DATETIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.(\d+))?$/;

/** `YYYY-MM-DD HH:MM:SS[.f]` with the fraction's trailing zeros dropped; the `T` form and missing seconds accepted. */
function dateTime(t: string): string {
  const m = DATETIME.exec(t.trim());
  if (!m) return t;
  const frac = (m[5] ?? "").replace(/0+$/, "");
  return `${m[1]} ${m[2].padStart(2, "0")}:${m[3]}:${m[4] ?? "00"}${frac ? "." + frac : ""}`;
}

const TIME = /^(-?)(\d+):(\d{2})(?::(\d{2}))?(?:\.(\d+))?$/;

/** `[-]H…H:MM:SS[.ffffff]` as signed microseconds. */
function timeMicros(t: string): string {
  const m = TIME.exec(t.trim());
  if (!m) return t;
  const micros = ((BigInt(m[2]) * 60n + BigInt(m[3])) * 60n + BigInt(m[4] ?? "0")) * 1_000_000n + BigInt((m[5] ?? "").padEnd(6, "0").slice(0, 6));
  return (m[1] === "-" ? -micros : micros).toString();
}

function base64(v: unknown, side: Side, padTo?: number): string {
  let bytes: Buffer;
  if (side === "source") bytes = Buffer.isBuffer(v) ? v : Buffer.from(text(v), "utf8");
  else bytes = Buffer.from(text(v).trim(), "base64");
  if (padTo !== undefined && bytes.length < padTo) bytes = Buffer.concat([bytes, Buffer.alloc(padTo - bytes.length)]);
  return bytes.toString("base64");
}

/** JSON with object keys sorted, so key order and whitespace do not count. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${stable(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** The source value is mysql2's parse of the JSON column; the sink holds the JSON text. JSON null counts as NULL. */
function json(v: unknown, side: Side): string | null {
  let parsed: unknown = v;
  if (Buffer.isBuffer(v) || side === "sink") {
    const t = text(v);
    try {
      parsed = JSON.parse(t);
    } catch {
      return `unparsable JSON text: ${t}`;
    }
  }
  return parsed === null ? null : stable(parsed);
}

type Coordinates = number[] | Coordinates[];

/** mysql2's geometry ({x, y} points, arrays of them) as GeoJSON-style coordinates. */
function fromMysql2(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromMysql2);
  if (v && typeof v === "object" && "x" in v && "y" in v) return [Number((v as { x: unknown }).x), Number((v as { y: unknown }).y)];
  return v;
}

/** The coordinates of a GeoJSON geometry; a collection's members in order. */
function fromGeoJson(g: unknown): unknown {
  if (!g || typeof g !== "object") return g;
  const o = g as { geometries?: unknown[]; coordinates?: Coordinates };
  if (Array.isArray(o.geometries)) return o.geometries.map(fromGeoJson);
  return o.coordinates;
}

/**
 * Closed rings (≥ 4 positions, first = last) in one vertex order, the smaller of the two as JSON, so a ring
 * that arrives reversed (the connector reverses a polygon's inner rings) compares equal; other arrays as they are.
 */
function ringsUnordered(c: unknown): unknown {
  if (!Array.isArray(c)) return c;
  const isPosition = (p: unknown) => Array.isArray(p) && p.length >= 2 && p.every((x) => typeof x === "number");
  if (c.length >= 4 && c.every(isPosition) && JSON.stringify(c[0]) === JSON.stringify(c[c.length - 1])) {
    const forward = JSON.stringify(c);
    const backward = JSON.stringify([...c].reverse());
    return JSON.parse(forward < backward ? forward : backward);
  }
  return c.map(ringsUnordered);
}

function geo(v: unknown, side: Side): string {
  if (side === "source") {
    if (Buffer.isBuffer(v)) return `wkb:${v.toString("hex")}`;
    return JSON.stringify(ringsUnordered(fromMysql2(v)));
  }
  try {
    return JSON.stringify(ringsUnordered(fromGeoJson(JSON.parse(text(v)))));
  } catch {
    return `unparsable GeoJSON text: ${text(v)}`;
  }
}
