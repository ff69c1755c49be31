import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDnsServer, type DnsServer } from "../../test/dns-server.ts";
import { createResolver, type Resolver } from "../dns/index.ts";
import { generateCa } from "../tls/index.ts";
import { fetchPolicy, MAX_POLICY_BYTES, type FetchOptions } from "./index.ts";
import { startPolicyServer, testCa, type PolicyServer } from "../../test/support/https-test-server.ts";

let dns: DnsServer;
let resolver: Resolver;
let web: PolicyServer;
let opts: FetchOptions;

before(async () => {
  dns = await startDnsServer({
    "mta-sts.example.test": { A: ["127.0.0.1"] },
    "mta-sts.other.test": { A: ["127.0.0.1"] },
    "mta-sts.noaddr.test": { TXT: ["no address"] },
  });
  resolver = createResolver({ servers: [dns.address], timeoutMs: 500, tries: 1 });
  web = await startPolicyServer(["mta-sts.example.test"]);
  opts = { resolver, port: web.port, ca: [(await testCa()).certPem], timeoutMs: 5000 };
});

after(async () => {
  await web.close();
  await dns.close();
});

test("fetches the policy over HTTPS from mta-sts.DOMAIN, resolved through our resolver", async () => {
  web.reply = { body: "version: STSv1\nmode: testing\nmx: mail.example.test\nmax_age: 3600\n" };
  const before = web.requests.length;
  assert.deepEqual(await fetchPolicy("example.test", opts), { ok: true, policy: { mode: "testing", mx: ["mail.example.test"], maxAge: 3600 } });
  assert.deepEqual(web.requests.slice(before), [`mta-sts.example.test:${web.port} /.well-known/mta-sts.txt`]);
  assert.ok(dns.queries.some((q) => q.name === "mta-sts.example.test" && q.type === "A"), "the host name went through the test DNS server");
});

async function fetchError(domain: string, o: FetchOptions = opts): Promise<string> {
  const r = await fetchPolicy(domain, o);
  assert.equal(r.ok, false, JSON.stringify(r));
  return r.ok ? "" : r.error;
}

test("a content type other than text/plain is an error", async () => {
  web.reply = { contentType: "text/html", body: "version: STSv1\nmode: testing\nmx: a.example.test\nmax_age: 1\n" };
  assert.match(await fetchError("example.test"), /content type "text\/html" is not text\/plain/);
  web.reply = { contentType: "text/plain", body: "version: STSv1\nmode: testing\nmx: a.example.test\nmax_age: 1\n" };
  assert.equal((await fetchPolicy("example.test", opts)).ok, true, "text/plain without parameters is fine");
});

test("redirects are not followed (§3.3)", async () => {
  web.reply = { status: 301, headers: { location: "/elsewhere.txt" } };
  const before = web.requests.length;
  assert.match(await fetchError("example.test"), /HTTP 301 \(redirects are not followed\)/);
  assert.equal(web.requests.length, before + 1);
});

test("a non-200 status is an error", async () => {
  web.reply = { status: 404, body: "not here" };
  assert.match(await fetchError("example.test"), /HTTP 404/);
});

test("a body over 64 KB is refused", async () => {
  web.reply = { body: `version: STSv1\nmode: enforce\nmx: a.example.test\nmax_age: 1\nx: ${"y".repeat(MAX_POLICY_BYTES)}\n` };
  assert.match(await fetchError("example.test"), /exceeds 65536/);
  // Chunked, without a Content-Length to refuse up front: the limit applies while reading.
  web.reply.headers = { "transfer-encoding": "chunked" };
  assert.match(await fetchError("example.test"), /policy exceeds 65536 bytes/);
});

test("an invalid policy body is an error", async () => {
  web.reply = { body: "version: STSv1\nmode: enforce\nmax_age: 86400\n" };
  assert.match(await fetchError("example.test"), /no mx/);
});

test("a certificate from an untrusted CA is refused", async () => {
  web.reply = {};
  const stranger = await generateCa({ name: "Someone else" });
  assert.match(await fetchError("example.test", { ...opts, ca: [stranger.certPem] }), /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify|self.signed/i);
  assert.match(await fetchError("example.test", { ...opts, ca: undefined }), /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/i);
});

test("a certificate for another host name is refused", async () => {
  web.reply = {};
  // mta-sts.other.test resolves to the same server, whose certificate names only mta-sts.example.test.
  assert.match(await fetchError("other.test"), /ERR_TLS_CERT_ALTNAME_INVALID/);
});

test("no address for mta-sts.DOMAIN is an error", async () => {
  assert.match(await fetchError("noaddr.test"), /ENOTFOUND/);
  assert.match(await fetchError("nowhere.test"), /ENOTFOUND/);
});

test("a server that never answers times out", async () => {
  web.reply = { hang: true };
  try {
    assert.match(await fetchError("example.test", { ...opts, timeoutMs: 300 }), /timed out after 300 ms/);
  } finally {
    web.reply = {};
  }
});
