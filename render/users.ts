/**
 * Names of the database users a stack creates on servers other stacks may share (an external StarRocks).
 * Derived from the stack, so two stacks never pick the same user; the LoaderUser provider also refuses to
 * adopt a user that holds grants on databases its stack does not manage (providers/loaderUser.ts).
 */
import { createHash } from "crypto";

/** MySQL's limit on user names (32 characters); StarRocks accepts it too. */
const MAX_USER_NAME = 32;

/** Default StarRocks loader user of a stack: flink_loader_<stack>, letters, digits and _ only, at most 32 characters. */
export function defaultLoaderUser(stack: string): string {
  const name = `flink_loader_${stack.replace(/[^A-Za-z0-9_]/g, "_")}`;
  if (name.length <= MAX_USER_NAME) return name;
  // Long stack names: keep the start readable and add a hash of the full name, so two stacks still differ.
  const hash = createHash("sha256").update(stack).digest("hex").slice(0, 8);
  return `${name.slice(0, MAX_USER_NAME - 9)}_${hash}`;
}
