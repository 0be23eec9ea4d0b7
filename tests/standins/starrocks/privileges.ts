/**
 * Users and table privileges of the StarRocks STAND-IN, read from the FE fake's users (the only place
 * they live), for the HTTP side and for ordinary SQL relayed to the store.
 */
import * as crypto from "crypto";
import type { StarRocksFeFake } from "../../fakes/starrocksFe";

const sha1 = (b: Buffer) => crypto.createHash("sha1").update(b).digest();

/** True when `password` is the user's password (the fake keeps sha1(sha1(pw)), or nothing for an empty one). */
export function passwordMatches(fe: StarRocksFeFake, user: string, password: string): boolean {
  const u = fe.users.get(user);
  if (!u) return false;
  if (!u.doubleSha) return password === "";
  return sha1(sha1(Buffer.from(password, "utf8"))).equals(u.doubleSha);
}

/**
 * Whether the user holds `privilege` (SELECT, INSERT, DELETE, UPDATE, ...) on tables of `db`: root (role
 * root) holds all; others need `GRANT ... ON ALL TABLES IN DATABASE <db>` with the privilege or ALL.
 */
export function hasTablePrivilege(fe: StarRocksFeFake, user: string, db: string, privilege: string): boolean {
  const u = fe.users.get(user);
  if (!u) return false;
  for (const g of u.grants) {
    if (/^GRANT 'root' TO /.test(g)) return true;
    const m = /^GRANT (.+?) ON ALL TABLES IN DATABASE (\S+) TO /.exec(g);
    if (!m || m[2].replace(/`/g, "") !== db) continue;
    const privs = m[1].split(",").map((p) => p.trim().toUpperCase());
    if (privs.includes(privilege.toUpperCase()) || privs.includes("ALL")) return true;
  }
  return false;
}

/** StarRocks' wording for a missing table privilege (Authorizer / AccessDeniedException). */
export function accessDeniedMessage(privilege: string, table: string): string {
  return `Access denied; you need (at least one of) the ${privilege} privilege(s) on TABLE ${table} for this operation. ` +
    "Please ask the admin to grant permission(s) or try activating existing roles using <set [default] role>. Current role(s): NONE. Inactivated role(s): NONE.";
}
