/**
 * Exit codes and the one place that maps any error to a one-line message and an exit code.
 * No command prints a stack trace; `CDC_DEBUG=1` adds it for bug reports.
 */
import { describeError, WaitTimeoutError } from "../clients/wait";

export const EXIT = {
  OK: 0,
  /**
   * A check ran and failed: monitor status stale, preflight check failed, rows not visible within --timeout,
   * verify found rows that differ (an error while verifying is 2, 3 or 4, never 1).
   */
  CHECK_FAILED: 1,
  /** Bad arguments, missing endpoint, unknown command, missing table or database. */
  USAGE: 2,
  /** An endpoint could not be reached or refused the login. */
  CONNECTION: 3,
  /** Anything else: an unexpected SQL error or a bug. */
  INTERNAL: 4,
  /** Interrupted by Ctrl+C (SIGINT) before a bounded run finished. Runs that only end with Ctrl+C exit 0. */
  INTERRUPTED: 130,
} as const;

export class CliError extends Error {
  constructor(message: string, public readonly exitCode: number) {
    super(message);
    this.name = "CliError";
  }
}

export class UsageError extends CliError {
  constructor(message: string, public readonly showUsage = false) {
    super(message, EXIT.USAGE);
    this.name = "UsageError";
  }
}

export class ConnectionError extends CliError {
  constructor(message: string) {
    super(message, EXIT.CONNECTION);
    this.name = "ConnectionError";
  }
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "ECONNRESET",
  "PROTOCOL_CONNECTION_LOST", "ER_ACCESS_DENIED_ERROR", "ER_DBACCESS_DENIED_ERROR", "ER_HOST_NOT_PRIVILEGED",
  "ER_HOST_IS_BLOCKED", "ER_CON_COUNT_ERROR", "PROTOCOL_SEQUENCE_TIMEOUT", "EPIPE",
]);
const USAGE_CODES = new Set(["ER_NO_SUCH_TABLE", "ER_BAD_DB_ERROR", "ER_BAD_FIELD_ERROR"]);

export function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && CONNECTION_CODES.has(code);
}

/** Maps an error to its exit code and one-line message. `secrets` are cut out of the message. */
export function classify(err: unknown, secrets: readonly string[] = []): { exitCode: number; message: string } {
  let exitCode: number;
  let message: string;
  if (err instanceof CliError) {
    exitCode = err.exitCode;
    message = err.message;
  } else if (err instanceof WaitTimeoutError) {
    exitCode = EXIT.CHECK_FAILED;
    message = err.message;
  } else if (isConnectionError(err)) {
    exitCode = EXIT.CONNECTION;
    message = describeError(err);
  } else if (USAGE_CODES.has(String((err as { code?: unknown })?.code))) {
    exitCode = EXIT.USAGE;
    message = (err as Error).message;
  } else {
    exitCode = EXIT.INTERNAL;
    message = describeError(err);
  }
  for (const s of secrets) if (s) message = message.split(s).join("******");
  return { exitCode, message: message.replace(/\s*\n\s*/g, " ").trim() };
}
