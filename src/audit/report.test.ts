/**
 * The audit writer (log.ts) and the TLS report (report.ts) over a real store: what the writer
 * records is what the report counts, per protocol and version, inside the report's window.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { withTestAccount } from "../../test/support/store.ts";
import type { TlsEvent } from "../tls/index.ts";
import { AuditLog } from "./log.ts";
import { tlsReport } from "./report.ts";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

const hello = (maxVersion: string) => ({ offeredVersions: [maxVersion], maxVersion, cipherSuites: ["TLS_RSA_WITH_RC4_128_SHA"], weakSuites: ["TLS_RSA_WITH_RC4_128_SHA"], sni: undefined, alpn: [], sslv2: false });

function event(over: Partial<TlsEvent>): TlsEvent {
  return { time: NOW - 1000, session: "S1", protocol: "imap", port: 993, clientIp: "192.0.2.7", mode: "implicit", outcome: "ok", reason: null, version: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256", hello: hello("TLSv1.3"), ...over };
}

const login = (over: { protocol: string; tls_version: string | null; time?: number }) => ({
  time: over.time ?? NOW - 1000,
  username: "a@example.test",
  account_id: null,
  protocol: over.protocol,
  port: 110,
  client_ip: "192.0.2.8",
  tls_version: over.tls_version,
  tls_cipher: null,
  client_name: null,
  mechanism: "USER",
  result: "refused",
  reason: "plaintext authentication refused: no TLS",
  session_id: "S9",
});

test("sessions per protocol and version: SMTP from its sessions, IMAP/POP3 from handshakes and plaintext sign-in attempts", async () => {
  await withTestAccount(async (store) => {
    const audit = new AuditLog(store.committer);
    audit.smtpSession({ id: "M1", started_at: NOW - 5000, ended_at: NOW - 4000, protocol: "smtp", port: 25, client_ip: "198.51.100.1", ehlo: "mx.example.net", tls_version: "TLSv1.2", tls_cipher: "x", offered_versions: null, messages: 1, end_reason: "quit" });
    audit.smtpSession({ id: "M2", started_at: NOW - 5000, ended_at: NOW - 4000, protocol: "smtp", port: 25, client_ip: "198.51.100.2", ehlo: "old.example.net", tls_version: null, tls_cipher: null, offered_versions: null, messages: 1, end_reason: "quit" });
    audit.tlsEvent(event({}));
    audit.tlsEvent(event({ session: "S2", version: "TLSv1.2" }));
    audit.tlsEvent(event({ session: "S3", protocol: "pop3", port: 995 }));
    audit.login(login({ protocol: "pop3", tls_version: null }));
    // Outside the window: counted nowhere.
    audit.tlsEvent(event({ session: "OLD", time: NOW - 40 * DAY }));
    audit.login(login({ protocol: "imap", tls_version: null, time: NOW - 40 * DAY }));
    await store.committer.flush();

    const r = await tlsReport(store.db, 30, NOW);
    assert.deepEqual(
      r.sessions.map((s) => `${s.protocol} ${s.tls} ${s.count} ${s.unit}`),
      ["imap TLSv1.2 1 sessions", "imap TLSv1.3 1 sessions", "pop3 TLSv1.3 1 sessions", "pop3 plaintext 1 sign-in attempts", "smtp TLSv1.2 1 sessions", "smtp plaintext 1 sessions"],
    );
    assert.equal(r.since, new Date(NOW - 30 * DAY).toISOString());
  });
});

test("refused handshakes are grouped by offered version and client, with what the old device offered", async () => {
  await withTestAccount(async (store) => {
    const audit = new AuditLog(store.committer);
    const refused = event({ outcome: "refused", version: null, cipher: null, reason: "client offered at most TLSv1.0", hello: hello("TLSv1.0") });
    audit.tlsEvent({ ...refused, session: "R1", time: NOW - 3000 });
    audit.tlsEvent({ ...refused, session: "R2", time: NOW - 2000 });
    audit.tlsEvent({ ...refused, session: "R3", clientIp: "192.0.2.99", hello: hello("TLSv1.1") });
    await store.committer.flush();

    const r = await tlsReport(store.db, 30, NOW);
    assert.deepEqual(
      r.refusedHandshakes.map((x) => [x.offeredMax, x.clientIp, x.protocol, x.count]),
      [
        ["TLSv1.0", "192.0.2.7", "imap", 2],
        ["TLSv1.1", "192.0.2.99", "imap", 1],
      ],
    );
    assert.equal(r.refusedHandshakes[0]?.lastSeen, new Date(NOW - 2000).toISOString());
    // The handshake list keeps the weak suites the device offered (a refusal's full suite list is kept too).
    const row = await store.db.selectFrom("tls_events").select(["offered_suites", "weak_suites", "session_id"]).where("session_id", "=", "R3").executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(row.weak_suites ?? "[]"), ["TLS_RSA_WITH_RC4_128_SHA"]);
    assert.deepEqual(JSON.parse(row.offered_suites ?? "[]"), ["TLS_RSA_WITH_RC4_128_SHA"]);
    assert.deepEqual(r.handshakes.map((h) => [h.outcome, h.offeredMax]).slice(0, 1), [["refused", "TLSv1.1"]]);
  });
});

test("a throttled burst is one login row whose count follows the tally", async () => {
  await withTestAccount(async (store) => {
    const audit = new AuditLog(store.committer);
    const tally = { attempts: 1 };
    audit.countedLogin(tally, login({ protocol: "imap", tls_version: "TLSv1.3" }));
    await store.committer.flush();
    tally.attempts = 7;
    audit.countedLogin(tally, login({ protocol: "imap", tls_version: "TLSv1.3" }));
    audit.countedLogin(tally, login({ protocol: "imap", tls_version: "TLSv1.3" }));
    await store.committer.flush();
    const rows = await store.db.selectFrom("logins").select(["attempts"]).execute();
    assert.deepEqual(rows.map((r) => r.attempts), [7]);
  });
});
