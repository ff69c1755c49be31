/** `sealpost domain dns DOMAIN`: the records an administrator copies into the domain's zone (issue 14). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./harness.ts";

interface ZoneRecord {
  name: string;
  ttl: number;
  type: string;
  value: string;
}

/** The zone-file lines (name TTL IN TYPE data ; comment), comments apart. */
function parseZone(text: string): { records: ZoneRecord[]; comments: string[] } {
  const records: ZoneRecord[] = [];
  const comments: string[] = [];
  for (const line of text.trimEnd().split("\n")) {
    if (line.startsWith(";")) {
      comments.push(line);
      continue;
    }
    const m = /^(\S+)\s+(\d+)\s+IN\s+(\S+)\s+([^;]*?)\s*;/.exec(line);
    assert.ok(m !== null, `a zone-file line: ${line}`);
    records.push({ name: m[1] ?? "", ttl: Number(m[2]), type: m[3] ?? "", value: m[4] ?? "" });
  }
  return { records, comments };
}

test("domain dns prints the MX, the RFC 6186/8314 SRV records of the TLS ports only, the settings names, and what is wrong; relay domains get their MX; --json", () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-dns-"));
  try {
    assert.equal(runCli(dir, ["init", "--hostname", "mx.dns.test", "--port-base", "20000"]).status, 0);
    // The POP3 service with implicit TLS is switched off by the administrator.
    const path = join(dir, "sealpost.toml");
    const toml = readFileSync(path, "utf8");
    const pop3s = toml.indexOf("[listeners.pop3s]");
    writeFileSync(path, toml.slice(0, pop3s) + toml.slice(pop3s).replace(/^enabled = true$/m, "enabled = false"));
    assert.equal(runCli(dir, ["domain", "add", "Example.TEST"]).status, 0);

    const r = runCli(dir, ["domain", "dns", "example.test."]);
    assert.equal(r.status, 0, r.stderr);
    const { records, comments } = parseZone(r.stdout);
    const get = (type: string, name: string): string[] => records.filter((x) => x.type === type && x.name === name).map((x) => x.value);
    assert.deepEqual(get("MX", "example.test."), ["10 mx.dns.test."]);
    assert.deepEqual(get("SRV", "_submissions._tcp.example.test."), ["0 1 20465 mx.dns.test."]);
    assert.deepEqual(get("SRV", "_submission._tcp.example.test."), ["0 1 20587 mx.dns.test."]);
    assert.deepEqual(get("SRV", "_imaps._tcp.example.test."), ["0 1 20993 mx.dns.test."]);
    assert.deepEqual(get("SRV", "_pop3s._tcp.example.test."), ["0 0 0 ."], "a listener that is off: not available");
    assert.deepEqual(get("SRV", "_imap._tcp.example.test."), ["0 0 0 ."], "IMAP with STARTTLS is never offered");
    assert.deepEqual(get("SRV", "_pop3._tcp.example.test."), ["0 0 0 ."]);
    assert.deepEqual(get("CNAME", "autoconfig.example.test."), ["mx.dns.test."]);
    assert.deepEqual(get("CNAME", "autodiscover.example.test."), ["mx.dns.test."]);
    assert.deepEqual(get("SRV", "_autodiscover._tcp.example.test."), ["0 1 20443 mx.dns.test."]);
    // The plaintext and legacy ports appear nowhere.
    for (const port of [20143, 20110, 21993, 21995, 21465, 22525]) assert.equal(r.stdout.includes(` ${port} `), false, `port ${port} is not published`);
    assert.ok(records.every((x) => x.ttl === 3600));
    // What stops the records from working as printed: the MX port, and the self-signed certificate that names only the host.
    assert.ok(comments.includes("; WARNING: the mx listener is on port 20025: other servers deliver to port 25 only"), comments.join("\n"));
    assert.ok(comments.includes("; WARNING: the certificate does not name autoconfig.example.test: mail programs will refuse its settings document"));
    assert.ok(comments.includes("; WARNING: the certificate does not name autodiscover.example.test: mail programs will refuse its settings document"));

    const json = runCli(dir, ["domain", "dns", "example.test", "--json"]);
    assert.equal(json.status, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as { domain: string; hostname: string; records: Array<{ name: string; type: string; value: string; why: string }>; warnings: string[] };
    assert.equal(doc.domain, "example.test");
    assert.equal(doc.hostname, "mx.dns.test");
    assert.deepEqual(
      doc.records.map((x) => `${x.type} ${x.name} ${x.value}`),
      records.map((x) => `${x.type} ${x.name} ${x.value}`),
    );
    assert.equal(doc.warnings.length, 3);

    assert.equal(runCli(dir, ["relay", "add", "gw.test", "--next-hop", "[127.0.0.1]:2525"]).status, 0);
    const relay = parseZone(runCli(dir, ["domain", "dns", "gw.test"]).stdout);
    assert.deepEqual(
      relay.records.map((x) => `${x.type} ${x.name} ${x.value}`),
      ["MX gw.test. 10 mx.dns.test."],
    );

    const unknown = runCli(dir, ["domain", "dns", "nowhere.test"]);
    assert.equal(unknown.status, 2);
    assert.equal(unknown.stderr.trimEnd().split("\n").length, 1);
    assert.match(unknown.stderr, /nowhere\.test is neither a hosted domain \(sealpost domain list\) nor a relay domain/);
    const invalid = runCli(dir, ["domain", "dns", "not a domain"]);
    assert.equal(invalid.status, 2);
    assert.match(invalid.stderr, /invalid domain name/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
