/**
 * The domain views over a real store: a relay domain's and a hosted domain's plaintext senders
 * (per client address and sender domain, counted in messages), the TLS of the sessions that
 * delivered to a domain, and its accounts with legacy devices; the TLS report lists the same
 * senders.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { withTestAccount } from "../../test/support/store.ts";
import { addAccount, addDomain } from "../directory/index.ts";
import { addRelay } from "../outbound/index.ts";
import { domainInboundTls, domainLegacyAccounts, plaintextSenders } from "./domain-view.ts";
import { AuditLog, type LoginRow, type SmtpRecipientRow } from "./log.ts";
import { tlsReport } from "./report.ts";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

/** One accepted message: a row per recipient, sharing session and time (as the SMTP roles write them). */
function message(audit: AuditLog, over: Partial<SmtpRecipientRow>, rcpts: string[]): void {
  for (const rcpt of rcpts) {
    audit.smtpRecipient({
      session_id: "M1",
      time: NOW - DAY,
      client_ip: "198.51.100.1",
      ehlo: "mx.sender.example",
      tls_version: null,
      mail_from: "news@sender.example",
      rcpt,
      domain: rcpt.slice(rcpt.lastIndexOf("@") + 1),
      code: 250,
      enhanced: "2.0.0",
      text: "Ok: queued as X",
      delivered: 0,
      ...over,
    });
  }
}

test("a relay domain's plaintext senders: per client address and sender domain, in messages, most first", async () => {
  await withTestAccount(async (store) => {
    await addRelay(store.db, "relay.test", "[192.0.2.25]:25", null, null);
    const audit = new AuditLog(store.committer);
    // Two messages from one client and sender domain, one of them to two recipients.
    message(audit, { session_id: "P1", time: NOW - 2 * DAY }, ["x@relay.test", "y@relay.test"]);
    message(audit, { session_id: "P1", time: NOW - 2 * DAY + 5, mail_from: "Billing@Sender.Example" }, ["x@relay.test"]);
    // The same client for another sender domain; the null sender; a quoted local part holding an "@".
    message(audit, { session_id: "P2", time: NOW - DAY, mail_from: "a@other.example" }, ["x@relay.test"]);
    message(audit, { session_id: "P3", time: NOW - DAY + 1, mail_from: "", client_ip: "203.0.113.5", ehlo: "printer" }, ["x@relay.test"]);
    message(audit, { session_id: "P4", time: NOW - DAY + 2, mail_from: '"odd@local"@quoted.example', client_ip: "203.0.113.6", ehlo: null }, ["x@relay.test"]);
    // Not plaintext deliveries to relay.test: over TLS, refused (mandatory TLS), another domain, outside the window.
    message(audit, { session_id: "T1", tls_version: "TLSv1.3" }, ["x@relay.test"]);
    message(audit, { session_id: "R1", code: 450, enhanced: "4.7.0", text: "TLS required" }, ["x@relay.test"]);
    message(audit, { session_id: "O1" }, ["x@example.test"]);
    message(audit, { session_id: "OLD", time: NOW - 40 * DAY }, ["x@relay.test"]);
    await store.committer.flush();

    const senders = await plaintextSenders(store.db, "Relay.TEST", { days: 30, now: NOW });
    assert.deepEqual(
      senders.map((s) => [s.clientIp, s.senderDomain, s.ehlo, s.messages, s.lastSeen]),
      [
        ["198.51.100.1", "sender.example", "mx.sender.example", 2, new Date(NOW - 2 * DAY + 5).toISOString()],
        ["203.0.113.6", "quoted.example", null, 1, new Date(NOW - DAY + 2).toISOString()],
        ["203.0.113.5", "", "printer", 1, new Date(NOW - DAY + 1).toISOString()],
        ["198.51.100.1", "other.example", "mx.sender.example", 1, new Date(NOW - DAY).toISOString()],
      ],
    );
    assert.deepEqual(await plaintextSenders(store.db, "nowhere.test", { days: 30, now: NOW }), []);
  });
});

test("the TLS report lists a hosted domain's plaintext senders the same way", async () => {
  await withTestAccount(async (store) => {
    const audit = new AuditLog(store.committer);
    message(audit, { session_id: "P1", delivered: 1 }, ["a@example.test"]);
    message(audit, { session_id: "P2", time: NOW - DAY + 1, mail_from: "x@elsewhere.example", delivered: 1 }, ["a@example.test"]);
    await store.committer.flush();
    const report = await tlsReport(store.db, 30, NOW);
    const listed = report.plaintextSenders.find((d) => d.domain === "example.test")?.senders;
    assert.deepEqual(listed, await plaintextSenders(store.db, "example.test", { days: 30, now: NOW }));
    assert.deepEqual(listed?.map((s) => s.senderDomain), ["elsewhere.example", "sender.example"]);
  });
});

test("inbound TLS of a domain: sessions and messages per version, and the plaintext share of sessions", async () => {
  await withTestAccount(async (store) => {
    const audit = new AuditLog(store.committer);
    message(audit, { session_id: "A", tls_version: "TLSv1.3" }, ["a@example.test", "b@example.test"]);
    message(audit, { session_id: "A", tls_version: "TLSv1.3", time: NOW - DAY + 1 }, ["a@example.test"]);
    message(audit, { session_id: "B", tls_version: "TLSv1.2" }, ["a@example.test"]);
    message(audit, { session_id: "C" }, ["a@example.test"]);
    message(audit, { session_id: "D", tls_version: "TLSv1" }, ["a@example.test"]);
    message(audit, { session_id: "E", code: 550, enhanced: "5.1.1", text: "no such user" }, ["zz@example.test"]);
    message(audit, { session_id: "F" }, ["a@relay.test"]);
    await store.committer.flush();
    const tls = await domainInboundTls(store.db, "example.test", { days: 30, now: NOW });
    assert.deepEqual(tls, {
      total: 4,
      plaintext: 1,
      plaintextShare: 0.25,
      byVersion: [
        { tls: "TLSv1.3", sessions: 1, messages: 2 },
        { tls: "TLSv1.2", sessions: 1, messages: 1 },
        { tls: "TLSv1", sessions: 1, messages: 1 },
        { tls: "plaintext", sessions: 1, messages: 1 },
      ],
    });
    assert.deepEqual(await domainInboundTls(store.db, "quiet.test", { days: 30, now: NOW }), { total: 0, plaintext: 0, plaintextShare: 0, byVersion: [] });
  });
});

test("a domain's accounts with legacy devices, by the account page's rule, and no other domain's", async () => {
  await withTestAccount(async (store, ids) => {
    const b = await addAccount(store.db, "b@example.test", "password1");
    await addAccount(store.db, "c@example.test", "password1");
    await addDomain(store.db, "other.test");
    const d = await addAccount(store.db, "d@other.test", "password1");
    const audit = new AuditLog(store.committer);
    const signIn = (over: Partial<LoginRow>): LoginRow => ({ time: NOW - DAY, username: "a@example.test", account_id: ids.account, protocol: "imap", port: 993, client_ip: "192.0.2.1", tls_version: "TLSv1.3", tls_cipher: null, client_name: null, mechanism: "LOGIN", result: "ok", reason: null, session_id: null, ...over });
    // a: a TLS 1.1 phone and a plaintext attempt by name; b: a refused handshake from its address; c: TLS 1.3 only.
    audit.login(signIn({ tls_version: "TLSv1.1", client_name: "K-9 Mail", time: NOW - 3 * DAY }));
    audit.login(signIn({ account_id: null, username: "A@EXAMPLE.TEST", tls_version: null, result: "refused", client_ip: "192.0.2.2", time: NOW - 4 * DAY }));
    audit.login(signIn({ account_id: b.id, username: "b@example.test", client_ip: "192.0.2.3", time: NOW - 2 * DAY }));
    audit.tlsEvent({ time: NOW - DAY, session: "H", protocol: "pop3", port: 995, clientIp: "192.0.2.3", mode: "implicit", outcome: "refused", reason: "old", version: null, cipher: null, hello: { offeredVersions: ["TLSv1"], maxVersion: "TLSv1", cipherSuites: [], weakSuites: [], sni: undefined, alpn: [], sslv2: false } });
    audit.login(signIn({ account_id: null, username: "c@example.test", result: "failed", reason: "wrong password" }));
    audit.login(signIn({ account_id: d.id, username: "d@other.test", tls_version: "TLSv1" }));
    await store.committer.flush();
    assert.deepEqual(await domainLegacyAccounts(store.db, "example.test", { days: 30, now: NOW }), [
      { address: "b@example.test", devices: 1, lastSeen: new Date(NOW - DAY).toISOString() },
      { address: "a@example.test", devices: 2, lastSeen: new Date(NOW - 3 * DAY).toISOString() },
    ]);
    assert.deepEqual(await domainLegacyAccounts(store.db, "other.test", { days: 30, now: NOW }), [{ address: "d@other.test", devices: 1, lastSeen: new Date(NOW - DAY).toISOString() }]);
    assert.deepEqual(await domainLegacyAccounts(store.db, "relay.test", { days: 30, now: NOW }), []);
  });
});
