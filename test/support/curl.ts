/** curl against a running server's web listener, as a named host resolved to 127.0.0.1 (like a published DNS name would be). */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import type { ServerHandle } from "../harness.ts";

export interface Answer {
  status: number;
  /** Names in lower case; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: string;
}

/**
 * GET (or POST `post` as text/xml) https://HOST:PORT/PATH. The certificate is not checked unless
 * `cacert` (a PEM file) is given: then it must chain to it and name the host. `header` lines are
 * sent as they are (a Host header other than the URL's, say).
 */
export function curl(h: ServerHandle, host: string, path: string, opts: { post?: string; cacert?: string; header?: readonly string[] } = {}): Answer {
  const port = h.ports.web;
  const args = ["-sS", "-i", ...(opts.cacert === undefined ? ["-k"] : ["--cacert", opts.cacert]), "--resolve", `${host}:${port}:127.0.0.1`, `https://${host}:${port}${path}`];
  if (opts.post !== undefined) args.push("-H", "Content-Type: text/xml; charset=utf-8", "--data-binary", opts.post);
  for (const line of opts.header ?? []) args.push("-H", line);
  const r = spawnSync("curl", args, { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const split = r.stdout.indexOf("\r\n\r\n");
  const head = r.stdout.slice(0, split).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(head[0]?.split(" ")[1]), headers, body: r.stdout.slice(split + 4) };
}
