/**
 * The one wait helper every provider and the CLI use: poll with backoff until a probe says ready, or fail
 * with what was waited for, where, and the last thing seen. No fixed sleeps anywhere else.
 */

import { CdcError } from "./errors";

/** Thrown by probes to say "not ready yet, keep polling"; its message is kept as the last thing seen. */
export class NotReadyError extends CdcError {
  constructor(message: string) {
    super(message);
    this.name = "NotReadyError";
  }
}

export class WaitTimeoutError extends CdcError {
  constructor(public readonly what: string, public readonly where: string, public readonly timeoutMs: number, public readonly lastSeen: string) {
    super(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what} at ${where}; last seen: ${lastSeen}`);
    this.name = "WaitTimeoutError";
  }
}

export interface WaitOptions {
  /** What is being waited for, e.g. "StarRocks FE to accept connections". */
  what: string;
  /** Where, e.g. "127.0.0.1:9030". Never include credentials. */
  where: string;
  timeoutMs: number;
  /** First delay; doubles up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /**
   * Decides whether an error thrown by the probe means "try again" (default: every error is retried
   * until the timeout). Return false to fail at once, e.g. for access denied.
   */
  retryable?: (err: unknown) => boolean;
  /** Clock and sleep, injectable for tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Calls probe until it resolves; NotReadyError and retryable errors are retried with backoff. */
export async function waitFor<T>(probe: () => Promise<T>, opts: WaitOptions): Promise<T> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const deadline = now() + opts.timeoutMs;
  let delay = opts.initialDelayMs ?? 250;
  const maxDelay = opts.maxDelayMs ?? 5000;
  let lastSeen = "nothing yet";
  for (;;) {
    try {
      return await probe();
    } catch (err) {
      if (!(err instanceof NotReadyError) && opts.retryable && !opts.retryable(err)) throw err;
      lastSeen = describeError(err);
    }
    const remaining = deadline - now();
    if (remaining <= 0) throw new WaitTimeoutError(opts.what, opts.where, opts.timeoutMs, lastSeen);
    await sleep(Math.min(delay, remaining));
    delay = Math.min(delay * 2, maxDelay);
  }
}

export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
