/**
 * A small HTTP client that talks to a Stream Load endpoint the way the StarRocks Flink connector's
 * Apache HttpClient does: Basic auth on every request, `Expect: 100-continue` with the body sent only
 * after `100 Continue`, and 307 redirects followed with the same method, headers and body.
 */
import * as http from "http";

export interface LoadReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed JSON body, or undefined when it is not JSON. */
  json?: Record<string, any>;
  /** Every URL the request went to, redirects included. */
  hops: string[];
}

export interface LoadRequest {
  method: "GET" | "POST" | "PUT";
  url: string;
  user: string;
  password: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send `Expect: 100-continue` and wait for it before the body (default: when there is a body). */
  expectContinue?: boolean;
  /** Give up after this long (ms). */
  timeoutMs?: number;
}

export async function loadRequest(req: LoadRequest): Promise<LoadReply> {
  const hops: string[] = [];
  let url = req.url;
  for (let i = 0; i < 5; i++) {
    hops.push(url);
    const reply = await once(req, url);
    if (reply.status === 307 && reply.headers.location) {
      url = new URL(reply.headers.location, url).toString();
      continue;
    }
    return { ...reply, hops };
  }
  throw new Error(`too many redirects: ${hops.join(" -> ")}`);
}

function once(req: LoadRequest, url: string): Promise<Omit<LoadReply, "hops">> {
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  const expect = req.expectContinue ?? body !== undefined;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {
      Authorization: "Basic " + Buffer.from(`${req.user}:${req.password}`).toString("base64"),
      ...(req.headers ?? {}),
    };
    if (body) headers["Content-Length"] = body.length;
    if (expect) headers.Expect = "100-continue";
    const r = http.request(url, { method: req.method, headers, timeout: req.timeoutMs ?? 15000 });
    r.on("continue", () => r.end(body));
    r.on("timeout", () => r.destroy(new Error(`no answer from ${url} within ${req.timeoutMs ?? 15000} ms`)));
    r.on("error", reject);
    r.on("response", (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c) => parts.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const text = Buffer.concat(parts).toString("utf8");
        let json: Record<string, any> | undefined;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        // An answer before `100 Continue` (a redirect or a refusal): the body is never sent.
        if (!r.writableEnded) r.destroy();
      });
    });
    if (!expect) r.end(body);
  });
}
