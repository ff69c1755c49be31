/**
 * `sealpost domain dns DOMAIN`: the records an administrator copies into the domain's zone (issue
 * 14), all of them (issue 15: SPF, DMARC, MTA-STS, TLS-RPT too), and which a resolver finds
 * published, different or missing.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDnsServer } from "./dns-server.ts";
import { runCli, runCliAsync } from "./harness.ts";

interface ZoneRecord {
  name: string;
  ttl: number;
  type: string;
  /** TXT data unquoted and its strings joined, as the JSON has it. */
  value: string;
  /** The comment: the check's mark in brackets, if any, then the record's purpose. */
  comment: string;
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
    // TXT data is quoted strings, which may hold ";".
    const m = /^(\S+)\s+(\d+)\s+IN\s+(\S+)\s+((?:"(?:[^"\\]|\\.)*"\s*)+|[^;"]*?)\s*; (.*)$/.exec(line);
    assert.ok(m !== null, `a zone-file line: ${line}`);
    const data = m[4] ?? "";
    const value = data.startsWith('"') ? [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((q) => (q[1] ?? "").replace(/\\(.)/g, "$1")).join("") : data;
    records.push({ name: m[1] ?? "", ttl: Number(m[2]), type: m[3] ?? "", value, comment: m[5] ?? "" });
  }
  return { records, comments };
}

/** Makes a data directory with `sealpost init` (host mx.dns.test, ports from 20000), its `[dns]` servers `dns` when given. */
function initDataDir(dns?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-dns-"));
  assert.equal(runCli(dir, ["init", "--hostname", "mx.dns.test", "--port-base", "20000"]).status, 0);
  const path = join(dir, "sealpost.toml");
  if (dns !== undefined) writeFileSync(path, readFileSync(path, "utf8").replace(/^servers = \[\]$/m, `servers = ["${dns}"]`).replace(/^timeout_ms = \d+$/m, "timeout_ms = 1000"));
  return dir;
}

test("domain dns prints the MX, SPF, DMARC, TLS-RPT, the RFC 6186/8314 SRV records of the TLS ports only, the settings names, and what is wrong; relay domains get their MX; --json", () => {
  const dir = initDataDir();
  try {
    // The POP3 service with implicit TLS is switched off by the administrator.
    const path = join(dir, "sealpost.toml");
    const toml = readFileSync(path, "utf8");
    const pop3s = toml.indexOf("[listeners.pop3s]");
    writeFileSync(path, toml.slice(0, pop3s) + toml.slice(pop3s).replace(/^enabled = true$/m, "enabled = false"));
    assert.equal(runCli(dir, ["domain", "add", "Example.TEST"]).status, 0);

    const r = runCli(dir, ["domain", "dns", "example.test.", "--no-check"]);
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
    assert.deepEqual(get("TXT", "example.test."), ["v=spf1 a:mx.dns.test -all"]);
    assert.deepEqual(get("TXT", "mx.dns.test."), ["v=spf1 a -all"]);
    assert.deepEqual(get("TXT", "_dmarc.example.test."), ["v=DMARC1; p=reject"]);
    assert.deepEqual(get("TXT", "_smtp._tls.example.test."), ["v=TLSRPTv1; rua=mailto:tls-reports@example.test"]);
    assert.equal(records.some((x) => x.name.includes("mta-sts")), false, "no MTA-STS policy is published");
    assert.equal(records.some((x) => x.comment.startsWith("[")), false, "--no-check: nothing is marked");
    // The plaintext and legacy ports appear nowhere.
    for (const port of [20143, 20110, 21993, 21995, 21465, 22525]) assert.equal(r.stdout.includes(` ${port} `), false, `port ${port} is not published`);
    assert.ok(records.every((x) => x.ttl === 3600));
    // What stops the records from working as printed: the MX port, and the self-signed certificate that names only the host.
    assert.ok(comments.includes("; WARNING: the mx listener is on port 20025: other servers deliver to port 25 only"), comments.join("\n"));
    assert.ok(comments.includes("; WARNING: the certificate does not name autoconfig.example.test: mail programs will refuse its settings document"));
    assert.ok(comments.includes("; WARNING: the certificate does not name autodiscover.example.test: mail programs will refuse its settings document"));

    const json = runCli(dir, ["domain", "dns", "example.test", "--json", "--no-check"]);
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
    const relay = parseZone(runCli(dir, ["domain", "dns", "gw.test", "--no-check"]).stdout);
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

test("domain dns checks each record through the configured resolver: published (also in other words that mean the same), different with what was found, missing, not checked", async () => {
  const dns = await startDnsServer({});
  const dir = initDataDir(dns.address);
  try {
    assert.equal(runCli(dir, ["domain", "add", "example.test"]).status, 0);
    const set = runCli(dir, ["domain", "set", "example.test", "--mta-sts", "testing"]);
    assert.equal(set.status, 0, set.stderr);
    const id = /id=(\w+)"/.exec(set.stdout)?.[1] ?? "";
    assert.notEqual(id, "");
    const srv = (port: number) => ({ SRV: [{ priority: 0, weight: 1, port, target: "mx.dns.test" }] });
    dns.setZone({
      // Published: the MX, SPF with other spacing and an explicit "+", the MTA-STS name and id, two SRV records.
      "example.test": { MX: [{ preference: 10, exchange: "mx.dns.test" }], TXT: ["v=spf1   +a:MX.dns.test -all"] },
      "mx.dns.test": { A: ["127.0.0.1"] },
      "mta-sts.example.test": { CNAME: "mx.dns.test." },
      "_mta-sts.example.test": { TXT: [`v=STSv1; id=${id};`] },
      "_submissions._tcp.example.test": srv(20465),
      "_imaps._tcp.example.test": srv(20993),
      // Different: DMARC asks for nothing; 587's SRV names another port.
      "_dmarc.example.test": { TXT: ["v=DMARC1; p=none"] },
      "_submission._tcp.example.test": srv(25),
      // Not checked: the resolver cannot answer for this name.
      "autoconfig.example.test": { servfail: true },
      // Missing: everything else (TLS-RPT, the host's SPF, POP3's SRV…).
    });

    const text = await runCliAsync(dir, ["domain", "dns", "example.test"]);
    assert.equal(text.status, 0, text.stderr);
    const marks = new Map(parseZone(text.stdout).records.map((r) => [`${r.type} ${r.name}`, /^\[([^\]]*)\]/.exec(r.comment)?.[1] ?? "(no mark)"]));
    for (const key of ["MX example.test.", "TXT example.test.", "CNAME mta-sts.example.test.", "TXT _mta-sts.example.test.", "SRV _submissions._tcp.example.test.", "SRV _imaps._tcp.example.test."]) {
      assert.equal(marks.get(key), "published", key);
    }
    assert.equal(marks.get("TXT _dmarc.example.test."), 'different: found "v=DMARC1; p=none"');
    assert.equal(marks.get("SRV _submission._tcp.example.test."), 'different: found "0 1 25 mx.dns.test."');
    for (const key of ["TXT _smtp._tls.example.test.", "TXT mx.dns.test.", "SRV _pop3s._tcp.example.test.", "CNAME autodiscover.example.test."]) assert.equal(marks.get(key), "missing", key);
    assert.match(marks.get("CNAME autoconfig.example.test.") ?? "", /^not checked: DNS CNAME lookup for autoconfig\.example\.test failed: ESERVFAIL$/);

    const json = await runCliAsync(dir, ["domain", "dns", "example.test", "--json"]);
    assert.equal(json.status, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as { records: Array<{ name: string; type: string; value: string; status: string; found?: string[]; error?: string }> };
    const byKey = new Map(doc.records.map((r) => [`${r.type} ${r.name}`, r]));
    const sts = byKey.get("TXT _mta-sts.example.test.");
    assert.deepEqual([sts?.value, sts?.status, sts?.found, sts?.error], [`v=STSv1; id=${id}`, "published", undefined, undefined]);
    assert.deepEqual(byKey.get("TXT _dmarc.example.test.")?.found, ["v=DMARC1; p=none"]);
    assert.equal(byKey.get("TXT _dmarc.example.test.")?.status, "different");
    assert.equal(byKey.get("TXT _smtp._tls.example.test.")?.status, "missing");
    assert.equal(byKey.get("CNAME autoconfig.example.test.")?.status, "not-checked");
    assert.match(byKey.get("CNAME autoconfig.example.test.")?.error ?? "", /ESERVFAIL/);
    assert.deepEqual(
      doc.records.map((r) => `${r.type} ${r.name} ${r.status}`),
      [...marks].map(([key, mark]) => `${key} ${mark.startsWith("not checked") ? "not-checked" : mark.split(":")[0]}`),
      "the text and the JSON mark the same records alike",
    );
  } finally {
    await dns.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
