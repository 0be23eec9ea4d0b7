/** Quoting shared by every SQL renderer and client: identifiers are always quoted, never pasted. */

/** Quotes an identifier with backticks (MySQL, MariaDB, StarRocks and Flink SQL all accept them). */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new Error("empty SQL identifier");
  return "`" + name.replace(/`/g, "``") + "`";
}

/** Quotes a string literal with single quotes, escaping backslashes and quotes. */
export function quoteString(value: string): string {
  return "'" + value.replace(/\\/g, "\\\\").replace(/'/g, "''") + "'";
}

/** `'user'@'host'` account name. */
export function account(user: string, host = "%"): string {
  return `${quoteString(user)}@${quoteString(host)}`;
}

/** Placeholder written instead of a secret in rendered files. */
export function secretPlaceholder(name: string): string {
  return `\${${name}}`;
}
