/**
 * An exact JSON reader for the StarRocks STAND-IN's Stream Load bodies. StarRocks reads JSON with
 * simdjson and hands each number's raw token to the column (a BIGINT near 2^63, a LARGEINT near 2^127
 * or a DECIMAL(38,x) arrives exactly). JSON.parse turns numbers into doubles first; its reviver sees
 * the source text only on Node 22+ (`context.source`), so on older Nodes keys near 9·10^18 were
 * rounded and distinct rows collapsed. This tokenizer keeps every number as its source text, on any
 * Node, and keeps object keys in source order.
 */

/** A JSON number, exactly as written in the body. */
export class JsonNumber {
  constructor(readonly text: string) {}
  /** Integer token (no fraction, no exponent). */
  get isInteger(): boolean {
    return /^-?\d+$/.test(this.text);
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;
/** Keys in source order (a later duplicate key replaces the value, as JSON.parse does). */
export type JsonObject = Map<string, JsonValue>;

export class JsonSyntaxError extends Error {}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

/** Parses one JSON document; numbers stay JsonNumber, objects are Maps. Throws JsonSyntaxError. */
export function parseJsonExact(text: string): JsonValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at position ${i}: ${JSON.stringify(text.slice(i, i + 20))}`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const str = (): string => {
    STRING.lastIndex = i;
    const m = STRING.exec(text);
    if (!m) return fail("invalid string");
    i += m[0].length;
    // The token is valid JSON: JSON.parse decodes escapes and surrogate pairs exactly.
    return JSON.parse(m[0]) as string;
  };
  const value = (depth: number): JsonValue => {
    if (depth > 1000) fail("nesting too deep");
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const o: JsonObject = new Map();
      ws();
      if (text[i] === "}") {
        i++;
        return o;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a string key");
        const k = str();
        ws();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        o.set(k, value(depth + 1));
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return o;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const a: JsonValue[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return a;
      }
      for (;;) {
        a.push(value(depth + 1));
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return a;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (text.startsWith("true", i)) {
      i += 4;
      return true;
    }
    if (text.startsWith("false", i)) {
      i += 5;
      return false;
    }
    if (text.startsWith("null", i)) {
      i += 4;
      return null;
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail("unexpected character");
    i += m[0].length;
    return new JsonNumber(m[0]);
  };
  const v = value(0);
  ws();
  if (i < text.length) fail("unexpected text after the JSON value");
  return v;
}

export const isJsonObject = (v: JsonValue | undefined): v is JsonObject => v instanceof Map;

/** Minified JSON text, numbers as written (simdjson's minify keeps number tokens). */
export function minify(v: JsonValue): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return JSON.stringify(v);
  if (v instanceof JsonNumber) return v.text;
  if (Array.isArray(v)) return `[${v.map(minify).join(",")}]`;
  return `{${[...v].map(([k, x]) => `${JSON.stringify(k)}:${minify(x)}`).join(",")}}`;
}

/**
 * JSON as StarRocks prints a JSON column value: `{"a": 1, "b": [1, 2]}` (a space after ':' and ',';
 * PARSE_JSON examples in the StarRocks docs, json-functions/json-constructor-functions/parse_json).
 * Keys keep source order here (StarRocks' key order for parsed objects is not checked).
 */
export function starRocksJsonText(v: JsonValue): string {
  if (v === null || typeof v === "boolean" || typeof v === "string" || v instanceof JsonNumber) return minify(v);
  if (Array.isArray(v)) return `[${v.map(starRocksJsonText).join(", ")}]`;
  return `{${[...v].map(([k, x]) => `${JSON.stringify(k)}: ${starRocksJsonText(x)}`).join(", ")}}`;
}
