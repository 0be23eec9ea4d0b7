/**
 * Finds the free variables of a serialized provider that nothing binds: names the closure serializer did not
 * capture (e.g. a method `scrub` calling the module function `scrub`: the serializer takes the method's own
 * name for it and binds nothing, so the provider host throws "scrub is not defined" on that path).
 *
 * The serializer emits each function as `with({ captured: __value, ... }) { return function (...) {...} }`.
 * This turns every `with` into `var captured, ...;` and lets the TypeScript checker (JS mode, Node's globals)
 * report each name it cannot find, on every code path, run or not.
 */
import * as ts from "typescript";

const CANNOT_FIND_NAME = new Set([2304, 2552, 2580, 2582, 2591]);

export function unboundNames(files: Record<string, string>): Record<string, string[]> {
  const rewritten: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) rewritten[`/virtual/${name}.js`] = withAsVars(text);
  const host = ts.createCompilerHost({});
  const original = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lang, ...rest) => (f in rewritten ? ts.createSourceFile(f, rewritten[f], lang, true, ts.ScriptKind.JS) : original(f, lang, ...rest));
  const program = ts.createProgram(Object.keys(rewritten), {
    allowJs: true, checkJs: true, noEmit: true, target: ts.ScriptTarget.ES2022, lib: ["lib.es2022.d.ts"], types: ["node"],
  }, host);
  const out: Record<string, string[]> = {};
  for (const name of Object.keys(files)) out[name] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (!d.file || !(d.file.fileName in rewritten) || !CANNOT_FIND_NAME.has(d.code)) continue;
    const name = d.file.fileName.replace(/^\/virtual\/|\.js$/g, "");
    const line = d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    out[name].push(`${ts.flattenDiagnosticMessageText(d.messageText, " ")} (serialized line ${line})`);
  }
  return out;
}

function withAsVars(text: string): string {
  const sf = ts.createSourceFile("x.js", text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const edits: Array<{ start: number; end: number; text: string }> = [];
  const visit = (n: ts.Node): void => {
    if (ts.isWithStatement(n) && ts.isObjectLiteralExpression(n.expression)) {
      const names = n.expression.properties
        .map((p) => (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : ""))
        .filter((x) => x && x !== "this" && x !== "arguments");
      edits.push({ start: n.getStart(), end: n.statement.getStart(), text: names.length ? `var ${names.join(", ")};` : "" });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
