/**
 * Keeps secrets out of logs and error messages. Database drivers echo the failing SQL (which may carry an
 * IDENTIFIED BY / PASSWORD() literal) in their messages, so every error leaving a client goes through here.
 */

/** Replaces each secret, and any quoted literal after IDENTIFIED BY / PASSWORD(, with ******. */
export function scrub(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 1) out = out.split(s).join("******");
  }
  // Literals in the statements we send: IDENTIFIED BY '<pw>', PASSWORD('<pw>'), "aws.s3.secret_key" = "<key>".
  out = out.replace(/(IDENTIFIED\s+BY\s+)'(?:[^'\\]|\\.|'')*'/gi, "$1'******'");
  out = out.replace(/(PASSWORD\s*\(\s*)'(?:[^'\\]|\\.|'')*'/gi, "$1'******'");
  out = out.replace(/("aws\.s3\.(?:secret_key|access_key)"\s*=\s*)"(?:[^"\\]|\\.)*"/gi, '$1"******"');
  return out;
}

/** Returns an Error whose message (and stack) has the secrets removed; keeps code/errno for callers. */
export function scrubError(err: unknown, secrets: ReadonlyArray<string | undefined> = []): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  const clean = new Error(scrub(e.message, secrets));
  const src = e as Error & { code?: unknown; errno?: unknown; sqlState?: unknown };
  const dst = clean as Error & { code?: unknown; errno?: unknown; sqlState?: unknown };
  dst.code = src.code;
  dst.errno = src.errno;
  dst.sqlState = src.sqlState;
  clean.name = e.name;
  clean.stack = `${clean.name}: ${clean.message}`;
  return clean;
}
