import { test } from "node:test";
import assert from "node:assert/strict";
import { Metrics, type MetricSources } from "./metrics.ts";

const SOURCES: MetricSources = {
  openSessions: () => [
    ["mx", 2],
    ["imaps", 1],
  ],
  queue: () => Promise.resolve({ messages: 3, oldestCreatedAt: Date.now() - 90_000 }),
  certificates: () => [
    { name: "mx.example.test", keyType: "ECDSA P-256", daysLeft: 40.5 },
    { name: "mx.example.test", keyType: "ECDSA P-256", daysLeft: 12 },
    { name: "mx.example.test", keyType: "RSA 2048", daysLeft: -1 },
  ],
};

/** The samples of `name`, as `{labels} value` strings in exposition order. */
async function samples(m: Metrics, name: string): Promise<string[]> {
  const { body } = await m.scrape();
  return body
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .map((l) => l.slice(name.length));
}

test("TLS events count handshakes by version, refusals by the highest offered version, failures by protocol", async () => {
  const m = new Metrics(SOURCES);
  const hello = (maxVersion: string | undefined) => ({ maxVersion });
  m.tlsEvent({ protocol: "imap", outcome: "ok", version: "TLSv1.3", hello: hello("TLSv1.3") });
  m.tlsEvent({ protocol: "smtp", outcome: "refused", version: null, hello: hello("TLSv1") });
  m.tlsEvent({ protocol: "smtp", outcome: "refused", version: null, hello: hello("TLSv1") });
  m.tlsEvent({ protocol: "pop3", outcome: "refused", version: null, hello: hello(undefined) });
  m.tlsEvent({ protocol: "submission", outcome: "failed", version: null, hello: null });
  assert.deepEqual(await samples(m, "sealpost_tls_handshakes_total"), ['{protocol="imap",tls_version="TLSv1.3"} 1']);
  assert.deepEqual(await samples(m, "sealpost_tls_refused_total"), ['{protocol="smtp",offered_version="TLSv1"} 2', '{protocol="pop3",offered_version="unknown"} 1']);
  assert.deepEqual(await samples(m, "sealpost_tls_failed_total"), ['{protocol="submission"} 1']);
});

test("labels never carry a value from outside their fixed set", async () => {
  const m = new Metrics(SOURCES);
  m.sessionEnded("gopher", "TLSv1.3");
  m.sessionEnded("imap", "TLSv9");
  m.tlsEvent({ protocol: "imap", outcome: "refused", version: null, hello: { maxVersion: "alice@example.test" } });
  m.login("pop3", "203.0.113.9");
  m.attempted("exploded", "paranoid", "SSLv3");
  const { body } = await m.scrape();
  assert.match(body, /^sealpost_sessions_total\{protocol="other",tls_version="TLSv1\.3"\} 1$/m);
  assert.match(body, /^sealpost_sessions_total\{protocol="imap",tls_version="other"\} 1$/m);
  assert.match(body, /^sealpost_tls_refused_total\{protocol="imap",offered_version="unknown"\} 1$/m);
  assert.match(body, /^sealpost_logins_total\{protocol="pop3",result="other"\} 1$/m);
  assert.match(body, /^sealpost_delivery_attempts_total\{outcome="other",tls_level="other",tls_version="other"\} 1$/m);
  assert.doesNotMatch(body, /gopher|TLSv9|alice|203\.0\.113|exploded|paranoid/);
});

test("sessions, sign-ins and messages start at zero for every known protocol and count up", async () => {
  const m = new Metrics(SOURCES);
  const sessions = await samples(m, "sealpost_sessions_total");
  assert.equal(sessions.length, 15, "5 protocols (smtp, submission, imap, pop3, web) × TLSv1.2, TLSv1.3, none");
  assert.ok(sessions.every((s) => s.endsWith(" 0")));
  m.sessionEnded("pop3", null);
  m.sessionEnded("pop3", "TLSv1.2");
  m.login("submission", "throttled");
  m.messageIn("submission");
  m.attempted("delivered", "verify", "TLSv1.3");
  m.attempted("deferred", "may", null);
  m.sent();
  const { body } = await m.scrape();
  assert.match(body, /^sealpost_sessions_total\{protocol="pop3",tls_version="none"\} 1$/m);
  assert.match(body, /^sealpost_sessions_total\{protocol="pop3",tls_version="TLSv1\.2"\} 1$/m);
  assert.match(body, /^sealpost_logins_total\{protocol="submission",result="throttled"\} 1$/m);
  assert.match(body, /^sealpost_logins_total\{protocol="imap",result="ok"\} 0$/m);
  assert.match(body, /^sealpost_messages_in_total\{protocol="submission"\} 1$/m);
  assert.match(body, /^sealpost_delivery_attempts_total\{outcome="delivered",tls_level="verify",tls_version="TLSv1\.3"\} 1$/m);
  assert.match(body, /^sealpost_delivery_attempts_total\{outcome="deferred",tls_level="may",tls_version="none"\} 1$/m);
  assert.match(body, /^sealpost_messages_out_total 1$/m);
});

test("gauges read their sources when scraped: open sessions, queue depth and age, certificate days (the soonest per name and key type)", async () => {
  let queries = 0;
  let depth = 3;
  const m = new Metrics({
    ...SOURCES,
    queue: () => {
      queries++;
      return Promise.resolve({ messages: depth, oldestCreatedAt: Date.now() - 90_000 });
    },
  });
  assert.deepEqual(await samples(m, "sealpost_sessions_open"), ['{listener="mx"} 2', '{listener="imaps"} 1']);
  assert.equal(queries, 1, "one query for both queue gauges");
  assert.deepEqual(await samples(m, "sealpost_queue_messages"), [" 3"]);
  const [age] = await samples(m, "sealpost_queue_oldest_age_seconds");
  assert.ok(Number(age) >= 90 && Number(age) < 3600, age);
  // Each scrape reads the queue afresh: the depth is never a scrape behind.
  depth = 7;
  assert.deepEqual(await samples(m, "sealpost_queue_messages"), [" 7"]);
  assert.deepEqual(await samples(m, "sealpost_certificate_days_left"), [
    '{name="mx.example.test",key_type="ECDSA P-256"} 12',
    '{name="mx.example.test",key_type="RSA 2048"} -1',
  ]);
  const empty = new Metrics({ openSessions: () => [], queue: () => Promise.resolve({ messages: 0, oldestCreatedAt: null }), certificates: () => [] });
  assert.deepEqual(await samples(empty, "sealpost_queue_oldest_age_seconds"), [" 0"]);
});

test("memory and event-loop lag come from prom-client's default metrics on the server's own registry", async () => {
  const m = new Metrics(SOURCES);
  const { body, contentType } = await m.scrape();
  assert.match(contentType, /^text\/plain; version=0\.0\.4/);
  assert.match(body, /^process_resident_memory_bytes \d+/m);
  assert.match(body, /^nodejs_heap_size_used_bytes \d+/m);
  assert.match(body, /^# TYPE nodejs_eventloop_lag_seconds gauge$/m);
  // Two servers in one process (tests) do not share or clash over series.
  const other = new Metrics(SOURCES);
  other.messageIn("smtp");
  assert.match((await m.scrape()).body, /^sealpost_messages_in_total\{protocol="smtp"\} 0$/m);
});
