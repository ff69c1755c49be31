/**
 * MTA-STS for our own domains end to end (issue 15, RFC 8461): Sealpost runs with a certificate that
 * names mta-sts.DOMAIN, the mode is set with `sealpost domain set --mta-sts`, and the policy is
 * fetched back by Sealpost's own outbound side — `fetchPolicy`, and the discovery cache reading the
 * printed TXT record from a test DNS server — and by curl, checking the certificate. A mode change
 * prints a new id and is served at once; a domain without a policy, a host that is not hosted and
 * the console's own name get a plain 404.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createResolver } from "../src/dns/index.ts";
import { fetchPolicy, memoryPolicyStore, MtaStsCache, type FetchOptions } from "../src/mta-sts/index.ts";
import { generateCa, generateSelfSigned } from "../src/tls/index.ts";
import { startDnsServer, type DnsServer } from "./dns-server.ts";
import { prepareDataDir, startServer, type ServerHandle } from "./harness.ts";
import { curl } from "./support/curl.ts";

const HOSTNAME = "mx.sealpost.test";
const POLICY_HOSTS = ["mta-sts.example.test", "mta-sts.quiet.test", "mta-sts.nowhere.test"];

let dir: string;
let dns: DnsServer;
let h: ServerHandle;
let opts: FetchOptions;
let caFile: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "sealpost-mta-sts-"));
  const ca = await generateCa({ name: "Sealpost Test CA" });
  const leaf = await generateSelfSigned({ hostnames: [HOSTNAME, ...POLICY_HOSTS], issuer: ca });
  caFile = join(dir, "ca.pem");
  writeFileSync(caFile, ca.certPem);
  writeFileSync(join(dir, "leaf.pem"), leaf.certPem);
  writeFileSync(join(dir, "leaf.key"), leaf.keyPem);
  // example.test will publish a policy, quiet.test is hosted without one, nowhere.test is not hosted.
  const dataDir = prepareDataDir({ hostname: HOSTNAME, domains: [{ name: "example.test" }, { name: "quiet.test" }] });
  const toml = join(dataDir, "sealpost.toml");
  writeFileSync(toml, readFileSync(toml, "utf8").replace(/\[\[tls\.certificates\]\]\ncert = .*\nkey = .*\n/, `[[tls.certificates]]\ncert = "${join(dir, "leaf.pem")}"\nkey = "${join(dir, "leaf.key")}"\n`));
  h = await startServer(dataDir);
  dns = await startDnsServer(Object.fromEntries(POLICY_HOSTS.map((name) => [name, { A: ["127.0.0.1"] }])));
  opts = { resolver: createResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 }), port: h.ports.web, ca: [ca.certPem], timeoutMs: 10_000 };
});

after(async () => {
  await h?.cleanup();
  await dns?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `domain set DOMAIN --mta-sts MODE`: the TXT record it prints, and the id in it. */
function setMode(domain: string, mode: string): { line: string; id: string } {
  const r = h.cli(["domain", "set", domain, "--mta-sts", mode]);
  assert.equal(r.status, 0, r.stderr);
  const line = r.stdout.split("\n").find((l) => l.startsWith(`_mta-sts.${domain}. `)) ?? "";
  const m = /^_mta-sts\.\S+\. 3600 IN TXT +"v=STSv1; id=([A-Za-z0-9]{1,32})"/.exec(line);
  assert.ok(m !== null, `the TXT record to publish: ${r.stdout}`);
  return { line, id: m[1] ?? "" };
}

/** Publishes what `domain set` printed, as the operator would. */
function publish(domain: string, id: string): void {
  dns.setZone({ ...Object.fromEntries(POLICY_HOSTS.map((name) => [name, { A: ["127.0.0.1"] }])), [`_mta-sts.${domain}`]: { TXT: [`v=STSv1; id=${id}`] } });
}

test("the policy is served in the mode set, found by our own discovery through the printed id, and a mode change is a new id served at once", async () => {
  assert.deepEqual(await fetchPolicy("example.test", opts), { ok: false, error: "fetch mta-sts.example.test: HTTP 404" }, "nothing is served before a mode is set");
  const cache = new MtaStsCache(memoryPolicyStore(), opts);

  const testing = setMode("example.test", "testing");
  publish("example.test", testing.id);
  assert.deepEqual(await fetchPolicy("example.test", opts), { ok: true, policy: { mode: "testing", mx: [HOSTNAME], maxAge: 86_400 } });
  const first = await cache.lookup("example.test");
  assert.equal(first.error, null);
  assert.equal(first.source, "fetched");
  assert.deepEqual([first.policy?.id, first.policy?.mode, first.policy?.mx], [testing.id, "testing", [HOSTNAME]]);

  // The same mode again changes nothing: the same id, and the cache keeps its policy.
  assert.equal(setMode("example.test", "testing").id, testing.id);
  assert.equal((await cache.lookup("example.test")).source, "cache");

  const enforce = setMode("example.test", "enforce");
  assert.notEqual(enforce.id, testing.id, "RFC 8461 §3.1: the id changes with the policy");
  publish("example.test", enforce.id);
  const second = await cache.lookup("example.test");
  assert.equal(second.source, "fetched", "the new id makes our sender fetch the policy again");
  assert.deepEqual([second.policy?.id, second.policy?.mode, second.policy?.maxAge], [enforce.id, "enforce", 604_800]);

  const log = JSON.parse(h.cli(["domain", "log", "example.test", "--json"]).stdout) as Array<{ setting: string; value: string }>;
  assert.deepEqual(log.filter((c) => c.setting === "mta_sts").map((c) => c.value), ["enforce", "testing"]);
});

test("curl, checking the certificate: 200 text/plain with CRLF lines, any case of the host and any port; no cookie, no redirect", () => {
  setMode("example.test", "enforce");
  const r = curl(h, "mta-sts.example.test", "/.well-known/mta-sts.txt", { cacert: caFile });
  assert.equal(r.status, 200);
  assert.equal(r.headers["content-type"], "text/plain");
  assert.equal(r.body, `version: STSv1\r\nmode: enforce\r\nmx: ${HOSTNAME}\r\nmax_age: 604800\r\n`);
  assert.equal(r.headers["set-cookie"], undefined);
  const upper = curl(h, "mta-sts.example.test", "/.well-known/mta-sts.txt", { cacert: caFile, header: ["Host: MTA-STS.Example.TEST"] });
  assert.equal(upper.status, 200, "the Host header without a port and in capitals");
  assert.equal(upper.body, r.body);
  const post = curl(h, "mta-sts.example.test", "/.well-known/mta-sts.txt", { cacert: caFile, post: "x" });
  assert.deepEqual([post.status, post.headers.allow], [405, "GET, HEAD"]);

  // `domain dns` lists the policy host and the id; the certificate names mta-sts.example.test: no warning.
  const zone = h.cli(["domain", "dns", "example.test", "--no-check"]);
  assert.equal(zone.status, 0, zone.stderr);
  assert.match(zone.stdout, /^mta-sts\.example\.test\. +3600 IN CNAME mx\.sealpost\.test\. ;/m);
  assert.match(zone.stdout, /^_mta-sts\.example\.test\. +3600 IN TXT +"v=STSv1; id=\w+" ;/m);
  assert.doesNotMatch(zone.stdout, /WARNING: .*mta-sts/);
});

test("404 for a hosted domain without a policy, a domain not hosted, a withdrawn policy, another path on the policy host and the policy path on the console's name", async () => {
  for (const domain of ["quiet.test", "nowhere.test"]) {
    const r = await fetchPolicy(domain, opts);
    assert.deepEqual(r, { ok: false, error: `fetch mta-sts.${domain}: HTTP 404` });
  }
  for (const [host, path] of [
    ["mta-sts.quiet.test", "/.well-known/mta-sts.txt"],
    ["mta-sts.example.test", "/login"],
    ["mta-sts.example.test", "/"],
    [HOSTNAME, "/.well-known/mta-sts.txt"],
  ] as const) {
    const r = curl(h, host, path, { cacert: caFile });
    assert.deepEqual([r.status, r.headers["content-type"], r.headers["set-cookie"], r.headers.location], [404, "text/plain", undefined, undefined], `${host}${path}`);
  }

  const off = h.cli(["domain", "set", "example.test", "--mta-sts", "off"]);
  assert.equal(off.status, 0, off.stderr);
  assert.match(off.stdout, /delete the _mta-sts\.example\.test TXT record/);
  assert.deepEqual(await fetchPolicy("example.test", opts), { ok: false, error: "fetch mta-sts.example.test: HTTP 404" });
  const relay = h.cli(["relay", "add", "gw.test", "--next-hop", "[127.0.0.1]:2525"]);
  assert.equal(relay.status, 0, relay.stderr);
  const refused = h.cli(["domain", "set", "gw.test", "--mta-sts", "enforce"]);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /gw\.test is a relay domain: MTA-STS is published for hosted domains only/);
});
