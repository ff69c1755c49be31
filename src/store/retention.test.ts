import { test } from "node:test";
import assert from "node:assert/strict";
import { sql } from "kysely";
import { auditPruner, pruneAudit, pruneSummary, type PruneReport, type Store } from "./index.ts";
import { withTestAccount } from "../../test/support/store.ts";

const DAY = 86_400_000;
/** The injected clock: a fixed "now" far from the real one. */
const NOW = Date.UTC(2030, 5, 1, 12);

async function seed(store: Store, time: number, tag: string, queueId: string): Promise<void> {
  await store.db
    .insertInto("logins")
    .values({ time, username: `${tag}@example.test`, account_id: null, protocol: "imap", port: 993, client_ip: "192.0.2.1", tls_version: "TLSv1.3", tls_cipher: null, client_name: null, mechanism: "PLAIN", result: "ok", reason: null })
    .execute();
  await store.db
    .insertInto("tls_events")
    .values({ time, protocol: "imap", port: 993, client_ip: "192.0.2.1", mode: "implicit", outcome: "ok", reason: tag, version: "TLSv1.3", cipher: null, offered_versions: null, offered_max: null, offered_suites: null, weak_suites: null, sni: null, alpn: null })
    .execute();
  await store.db
    .insertInto("smtp_sessions")
    .values({ id: `s-${tag}`, started_at: time, ended_at: time + 1000, protocol: "smtp", port: 25, client_ip: "192.0.2.1", ehlo: tag, tls_version: null, tls_cipher: null, offered_versions: null, messages: 1, end_reason: "quit" })
    .execute();
  await store.db
    .insertInto("smtp_recipients")
    .values({ session_id: `s-${tag}`, time, client_ip: "192.0.2.1", ehlo: tag, tls_version: null, mail_from: "x@remote.test", rcpt: `${tag}@example.test`, domain: "example.test", code: 250, enhanced: "2.0.0", text: "ok", delivered: 1 })
    .execute();
  await store.db
    .insertInto("delivery_attempts")
    .values({ time, queue_id: queueId, domain: "remote.test", mx_host: null, address: null, port: null, policy_level: "may", policy_source: tag, starttls_offered: null, tls_version: null, tls_cipher: null, cert_verdict: null, outcome: "deferred", recipients: 1, reply: null, problem: null })
    .execute();
  await store.db
    .insertInto("auth_results")
    .values({ time, session_id: `s-${tag}`, queue_id: null, client_ip: "192.0.2.1", helo: tag, tls_version: null, mail_from_domain: "remote.test", from_domain: "remote.test", spf: "pass", dkim: "none", dkim_domains: "", dmarc: "none", arc: "none", action: "accepted", rule: null })
    .execute();
}

async function counts(store: Store): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ["logins", "tls_events", "smtp_sessions", "smtp_recipients", "delivery_attempts", "auth_results"]) {
    const r = await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(store.db);
    out[t] = Number(r.rows[0]?.n);
  }
  return out;
}

test("the prune removes audit rows older than the retention, keeps newer ones and attempts of mail still queued", async () => {
  await withTestAccount(async (store) => {
    // A message still in the queue, first tried 100 days ago.
    await store.db
      .insertInto("queue")
      .values({ id: "QSTILL", created_at: NOW - 100 * DAY, mail_from: "a@example.test", blob: "0/0", size: 1, source: "submission", owns_blob: 0, bounce_requested: 0 })
      .execute();
    for (let i = 0; i < 7; i++) await seed(store, NOW - 91 * DAY - i * DAY, `old${i}`, `QGONE${i}`);
    await seed(store, NOW - 100 * DAY, "queued", "QSTILL");
    await seed(store, NOW - 89 * DAY, "new", "QNEW");
    await seed(store, NOW - DAY, "newer", "QNEWER");

    // Batches of 3: the loop runs until a batch comes back short.
    const r = await pruneAudit(store, { retentionDays: 90, now: () => NOW, batch: 3 });
    assert.equal(r.cutoff, NOW - 90 * DAY);
    assert.deepEqual(
      { logins: r.logins, tlsEvents: r.tlsEvents, smtpSessions: r.smtpSessions, smtpRecipients: r.smtpRecipients, deliveryAttempts: r.deliveryAttempts, authResults: r.authResults, kept: r.keptForQueue },
      { logins: 8, tlsEvents: 8, smtpSessions: 8, smtpRecipients: 8, deliveryAttempts: 7, authResults: 8, kept: 1 },
    );
    assert.deepEqual(await counts(store), { logins: 2, tls_events: 2, smtp_sessions: 2, smtp_recipients: 2, delivery_attempts: 3, auth_results: 2 });
    const reasons = (await store.db.selectFrom("tls_events").select("reason").orderBy("time").execute()).map((x) => x.reason);
    assert.deepEqual(reasons, ["new", "newer"]);
    const attempts = (await store.db.selectFrom("delivery_attempts").select("queue_id").orderBy("time").execute()).map((x) => x.queue_id);
    assert.deepEqual(attempts, ["QSTILL", "QNEW", "QNEWER"]);
    assert.match(pruneSummary(r, 90), /^retention: removed 8 logins, 8 TLS events, 8 SMTP sessions, 8 SMTP recipients, 7 delivery attempts, 8 sender checks older than 90 days; 1 attempts of still-queued mail kept/);

    // Once the message leaves the queue, its old attempts go at the next prune; a shorter retention takes more.
    await store.db.deleteFrom("queue").where("id", "=", "QSTILL").execute();
    const again = await pruneAudit(store, { retentionDays: 30, now: () => NOW });
    assert.equal(again.deliveryAttempts, 2);
    assert.equal(again.logins, 1);
    assert.deepEqual(await counts(store), { logins: 1, tls_events: 1, smtp_sessions: 1, smtp_recipients: 1, delivery_attempts: 1, auth_results: 1 });
  });
});

test("a session that ended inside the retention is kept even if it started before it", async () => {
  await withTestAccount(async (store) => {
    await store.db
      .insertInto("smtp_sessions")
      .values({ id: "long", started_at: NOW - 91 * DAY, ended_at: NOW - 89 * DAY, protocol: "smtp", port: 25, client_ip: "192.0.2.9", ehlo: null, tls_version: null, tls_cipher: null, offered_versions: null, messages: 0, end_reason: "timeout" })
      .execute();
    const r = await pruneAudit(store, { retentionDays: 90, now: () => NOW });
    assert.equal(r.smtpSessions, 0);
  });
});

test("the server's pruner runs after its first delay and reports; stop ends it", async () => {
  await withTestAccount(async (store) => {
    await seed(store, Date.now() - 10 * DAY, "old", "QX");
    const reports: PruneReport[] = [];
    let resolveFirst!: () => void;
    const first = new Promise<void>((r) => (resolveFirst = r));
    const pruner = auditPruner(store, {
      retentionDays: () => 7,
      firstDelayMs: 1,
      intervalMs: 86_400_000,
      onReport: (r) => {
        reports.push(r);
        resolveFirst();
      },
      onError: (e) => assert.fail(String(e)),
    });
    pruner.start();
    await first;
    await pruner.stop();
    assert.equal(reports.length, 1);
    assert.equal(reports[0]?.logins, 1);
    assert.deepEqual(await counts(store), { logins: 0, tls_events: 0, smtp_sessions: 0, smtp_recipients: 0, delivery_attempts: 0, auth_results: 0 });
  });
});

test("the TLS reports we sent go with the retention, by their UTC day; the summary names them only when some went", async () => {
  await withTestAccount(async (store) => {
    const row = (day: string) => ({ day, domain: "example.net", state: "sent", updated_at: NOW });
    // With 90 days at NOW (2030-06-01T12:00Z) the cutoff falls on 2030-03-03: that day and later stay.
    await store.db.insertInto("tls_reports_sent").values([row("2030-03-02"), row("2030-03-03"), row("2030-05-31")]).execute();
    const r = await pruneAudit(store, { retentionDays: 90, now: () => NOW });
    assert.equal(r.tlsReportsSent, 1);
    const left = await store.db.selectFrom("tls_reports_sent").select("day").orderBy("day").execute();
    assert.deepEqual(left.map((x) => x.day), ["2030-03-03", "2030-05-31"]);
    assert.match(pruneSummary(r, 90), /, 1 sent TLS reports older than 90 days/);
  });
});
