import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { MetricsEndpoint } from "./http.ts";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function fetchRaw(port: number, method: string, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path }, (res) => {
      let body = "";
      res.on("data", (b: Buffer) => (body += b.toString("utf8")));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function withEndpoint(scrape: () => Promise<{ contentType: string; body: string }>, fn: (port: number, logged: string[]) => Promise<void>): Promise<void> {
  const logged: string[] = [];
  const ep = new MetricsEndpoint({ address: "127.0.0.1", port: 0, scrape, log: (msg) => logged.push(msg) });
  await ep.listen();
  try {
    await fn(ep.port, logged);
  } finally {
    await ep.close();
  }
}

const OK = () => Promise.resolve({ contentType: "text/plain; version=0.0.4; charset=utf-8", body: "up 1\n" });

test("GET /metrics answers the scrape; HEAD its headers; other paths 404; other methods 405 with Allow", async () => {
  await withEndpoint(OK, async (port) => {
    const get = await fetchRaw(port, "GET", "/metrics");
    assert.equal(get.status, 200);
    assert.equal(get.body, "up 1\n");
    assert.equal(get.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    const head = await fetchRaw(port, "HEAD", "/metrics");
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
    assert.equal((await fetchRaw(port, "GET", "/metrics?x=1")).status, 200);
    for (const path of ["/", "/metrics/", "/Metrics", "/metrics/../etc/passwd"]) assert.equal((await fetchRaw(port, "GET", path)).status, 404, path);
    const post = await fetchRaw(port, "POST", "/metrics");
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, "GET, HEAD");
  });
});

test("a failed collection is a 500 with no detail, and the error goes to the log", async () => {
  await withEndpoint(
    () => Promise.reject(new Error("SQLITE_BUSY: database is locked at /secret/path")),
    async (port, logged) => {
      const r = await fetchRaw(port, "GET", "/metrics");
      assert.equal(r.status, 500);
      assert.doesNotMatch(r.body, /SQLITE|secret/);
      assert.deepEqual(logged, ["metrics: collecting failed"]);
    },
  );
});
