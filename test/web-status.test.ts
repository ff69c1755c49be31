/**
 * The public status page in Chromium (issue 12, "Done when" 3 and 4): no sign-in, linked from the
 * sign-in page; a maintenance window before, during and after (the server's clock moved by its
 * clock file), in the server's local time (TZ=Europe/Berlin, so 04:00 UTC reads 05:00 CET), in
 * English and German (Accept-Language and the language switch); the announced cut-off in plain
 * words; `/status.json` at each step validated against the schema it serves at
 * `/status.schema.json` (the same as STATUS_SCHEMA). Neither shows an address, an account, a
 * destination or the host's name. Screenshots go to $SEALPOST_SCREENSHOTS when it is set.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { validateAgainstSchema } from "../src/check/index.ts";
import { STATUS_SCHEMA } from "../src/web/index.ts";
import { eventually, python, startSealpost, type ServerHandle } from "./harness.ts";
import { launchChromium, newContext, shot, signIn } from "./support/browser.ts";
import { oldTlsHandshake, runTool } from "./tls-client-env.ts";

const ALICE = "alice@example.test";
/** What must never appear on the public page or in its JSON. */
const INTERNAL = ["@", "alice", "example.test", "far.test", "example.org", "mx.sealpost.test", "127.0.0.1"];

async function curlJson(url: string): Promise<unknown> {
  const r = await runTool("/usr/bin/curl", ["-k", "-s", "--fail", "--max-time", "20", url], { timeoutMs: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as unknown;
}

interface StatusJson {
  generatedAt: string;
  overall: string;
  services: Array<{ id: string; state: string; maintenance: boolean }>;
  delivery: { pausedBy: string[]; oldestDeferredSeconds: number | null };
  maintenance: Record<"current" | "upcoming" | "past", Array<{ from: string; message: string | null }>>;
  cutoff: { date: string; state: string; affectedAccounts: number | null } | null;
}

/** /status.json, valid against the served schema, with nothing internal in it. */
async function statusJson(base: string, schema: unknown): Promise<StatusJson> {
  const raw = await curlJson(`${base}/status.json`);
  assert.deepEqual(validateAgainstSchema(schema, raw), []);
  const text = JSON.stringify(raw);
  for (const s of INTERNAL) assert.ok(!text.includes(s), `/status.json shows ${s}`);
  return raw as StatusJson;
}

const stateOf = (s: StatusJson, id: string): string | undefined => s.services.find((x) => x.id === id)?.state;

/** The text of the services table's row for `service`, its white space made single spaces. */
const row = async (page: Page, service: string): Promise<string> =>
  (await page.getByRole("table").getByRole("row").filter({ has: page.getByRole("rowheader", { name: service, exact: true }) }).innerText()).replace(/\s+/g, " ").trim();

/** Reloads /status until `ready` holds (the status is kept a few seconds). */
async function reloadUntil(page: Page, base: string, ready: () => Promise<boolean>, what: string): Promise<void> {
  await eventually(async () => {
    await page.goto(`${base}/status`);
    return (await ready()) ? true : undefined;
  }, 20_000, what);
}

async function noInternals(page: Page): Promise<void> {
  const text = await page.locator("main").innerHTML();
  for (const s of INTERNAL) assert.ok(!text.includes(s), `the page shows ${s}`);
}

test("the status page shows a maintenance window before, during and after it, in English and German, with the cut-off; its JSON validates", { timeout: 240_000 }, async () => {
  const clockDir = mkdtempSync(join(tmpdir(), "sealpost-clock-"));
  const clockFile = join(clockDir, "clock");
  writeFileSync(clockFile, "2027-01-31T03:50:00Z");
  const h: ServerHandle = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [{ address: ALICE, password: "correct horse battery" }],
    env: { SEALPOST_CLOCK_FILE: clockFile, TZ: "Europe/Berlin" },
  });
  const browser = await launchChromium();
  try {
    const base = `https://127.0.0.1:${h.ports.web}`;
    const schema = await curlJson(`${base}/status.schema.json`);
    assert.deepEqual(schema, JSON.parse(JSON.stringify(STATUS_SCHEMA)));

    // A deferred message (its relay's next hop is a closed port): the page gives its age, never its destination.
    assert.equal(h.cli(["relay", "add", "far.test", "--next-hop", "[127.0.0.1]:1"]).status, 0);
    python(`
import smtplib
s = smtplib.SMTP("127.0.0.1", ${h.ports.mx}, local_hostname="client.example.org")
s.sendmail("someone@example.org", ["bob@far.test"], "From: someone@example.org\\r\\nTo: bob@far.test\\r\\nSubject: stuck\\r\\n\\r\\nbody\\r\\n")
s.quit()
`);
    await eventually(() => ((JSON.parse(h.cli(["queue", "list", "--json"]).stdout) as Array<{ status: string }>)[0]?.status === "deferred" ? true : undefined), 20_000, "the deferred message");

    // alice signs in, then an old device at her address is refused TLS 1.0: hers, as her history says; she is affected.
    python(`
import imaplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
M = imaplib.IMAP4_SSL("127.0.0.1", ${h.ports.imaps}, ssl_context=ctx); M.login("${ALICE}", "correct horse battery"); M.logout()
`);
    assert.notEqual((await oldTlsHandshake(h.ports.imaps)).status, 0);
    // The cut-off, announced as an operator does.
    const scheduled = h.cli(["cutoff", "schedule", "--date", "2027-03-01T00:00:00+01:00"]);
    assert.equal(scheduled.status, 0, scheduled.stderr);
    // The campaign counts her at its next tick (every 10 s); the page shows its count, kept 5 s.
    await eventually(async () => ((await statusJson(base, schema)).cutoff?.affectedAccounts === 1 ? true : undefined), 30_000, "the campaign's count");
    const add = h.cli(["maintenance", "add", "--from", "2027-01-31T04:00:00Z", "--to", "2027-01-31T04:30:00Z", "--services", "imap,pop3", "--pause-delivery", "--message", "TLS 1.0 and 1.1 are switched off <today>"]);
    assert.equal(add.status, 0, add.stderr);

    // ── Before: from the sign-in page, without signing in. ──
    const en = await (await newContext(browser, "en-US")).newPage();
    await en.goto(`${base}/login`);
    await en.getByRole("link", { name: "Service status" }).click();
    await en.getByRole("heading", { name: "Service status", level: 1 }).waitFor();
    await reloadUntil(en, base, async () => (await en.getByRole("region", { name: "Upcoming" }).getByRole("row").count()) === 2, "the upcoming window");
    const upcoming = await en.getByRole("region", { name: "Upcoming" }).getByRole("row").nth(1).innerText();
    // Local time: 04:00 UTC is 05:00 in Berlin; the message as written, escaped (no tag made of it).
    assert.match(upcoming, /31 Jan 2027, 05:00 CET\t31 Jan 2027, 05:30 CET\tIMAP, POP3\theld, delivered afterwards\tTLS 1\.0 and 1\.1 are switched off <today>/);
    await en.getByRole("region", { name: "Now" }).getByText("No maintenance is in progress.").waitFor();
    await en.getByRole("status").filter({ hasText: "All services are running normally." }).waitFor();
    assert.match(await row(en, "Reading mail (IMAP)"), / Up$/);
    assert.match(await row(en, "Delivery to other servers"), /Up The oldest message a receiving server turned away for now has been waiting \d+ min\./);
    const cutoff = en.getByRole("region", { name: "End of TLS 1.0 and 1.1" });
    await cutoff.getByText("From 1 Mar 2027, 00:00 CET, this server accepts connections only with TLS 1.2 or newer, on every mail port and on the web.").waitFor();
    await cutoff.getByText(/old phones, printers and scanners/).waitFor();
    await noInternals(en);
    let json = await statusJson(base, schema);
    assert.equal(json.overall, "up");
    assert.deepEqual([json.maintenance.upcoming.length, json.maintenance.current.length], [1, 0]);
    assert.deepEqual(json.cutoff, { date: "2027-02-28T23:00:00.000Z", state: "scheduled", affectedAccounts: 1 });
    await cutoff.getByText("1 account still uses such a device.").waitFor();
    assert.ok(json.delivery.oldestDeferredSeconds !== null);
    await shot(en, "status-before-en");

    // ── During. ──
    writeFileSync(clockFile, "2027-01-31T04:10:00Z");
    await reloadUntil(en, base, async () => (await en.getByRole("region", { name: "Now" }).getByRole("row").count()) === 2, "the open window");
    await en.getByRole("status").filter({ hasText: "Some services are limited." }).waitFor();
    assert.match(await row(en, "Reading mail (IMAP)"), /Degraded Maintenance in progress\./);
    assert.match(await row(en, "Fetching mail (POP3)"), /Degraded Maintenance in progress\./);
    assert.match(await row(en, "Incoming mail (SMTP)"), / Up$/);
    assert.match(await row(en, "Delivery to other servers"), /Degraded Paused for maintenance: mail is accepted and queued, and delivered when the work is done\./);
    await en.getByRole("region", { name: "Upcoming" }).getByText("No maintenance is planned.").waitFor();
    await noInternals(en);
    json = await statusJson(base, schema);
    assert.deepEqual([json.overall, stateOf(json, "imap"), stateOf(json, "mx"), stateOf(json, "delivery")], ["degraded", "degraded", "up", "degraded"]);
    assert.deepEqual(json.delivery.pausedBy, ["maintenance"]);
    assert.equal(json.maintenance.current[0]?.message, "TLS 1.0 and 1.1 are switched off <today>");
    await shot(en, "status-during-en");

    // German, by Accept-Language.
    const de = await (await newContext(browser, "de-DE")).newPage();
    await de.goto(`${base}/status`);
    await de.getByRole("heading", { name: "Dienststatus", level: 1 }).waitFor();
    await de.getByRole("status").filter({ hasText: "Einige Dienste sind eingeschränkt." }).waitFor();
    assert.match(await row(de, "E-Mails lesen (IMAP)"), /Eingeschränkt Wartungsarbeiten laufen\./);
    assert.match(await row(de, "Zustellung an andere Server"), /Eingeschränkt Wegen Wartungsarbeiten angehalten: E-Mails werden angenommen, zwischengespeichert und nach Abschluss der Arbeiten zugestellt\./);
    assert.match(await de.getByRole("region", { name: "Jetzt" }).getByRole("row").nth(1).innerText(), /31\. Jan\. 2027, 05:00 MEZ\t31\. Jan\. 2027, 05:30 MEZ\tIMAP, POP3\tangehalten, danach zugestellt\tTLS 1\.0 and 1\.1 are switched off <today>/);
    await de.getByRole("region", { name: "Abschaltung von TLS 1.0 und 1.1" }).getByText("Ab 1. März 2027, 00:00 MEZ nimmt dieser Server Verbindungen nur noch mit TLS 1.2 oder neuer an, auf allen Mail-Ports und im Web.").waitFor();
    await noInternals(de);
    await shot(de, "status-during-de");
    // The administration page says why delivery is held, and until when (the operator's own switch is untouched).
    assert.equal(h.cli(["user", "set", ALICE, "--role", "admin"]).status, 0);
    const admin = await (await newContext(browser, "en-US")).newPage();
    await signIn(admin, base, ALICE, "correct horse battery");
    await admin.goto(`${base}/admin`);
    await admin.getByText("held by a maintenance window until 31 Jan 2027, 05:30 CET: mail is accepted and queued, and goes out by itself then").waitFor();
    await admin.getByRole("button", { name: "Pause delivery" }).waitFor();

    // ── After: the window is in the past; everything is up again. The English page switched to German by the switch. ──
    writeFileSync(clockFile, "2027-01-31T04:31:00Z");
    await reloadUntil(en, base, async () => (await en.getByRole("region", { name: "Past 7 days" }).getByRole("row").count()) === 2, "the past window");
    await en.getByRole("status").filter({ hasText: "All services are running normally." }).waitFor();
    assert.match(await row(en, "Delivery to other servers"), /Up The oldest message/);
    await en.getByRole("region", { name: "Now" }).getByText("No maintenance is in progress.").waitFor();
    json = await statusJson(base, schema);
    assert.deepEqual([json.overall, json.maintenance.current.length, json.maintenance.past.length, json.delivery.pausedBy.length], ["up", 0, 1, 0]);
    await shot(en, "status-after-en");
    await Promise.all([en.waitForURL(/\/status$/), en.getByRole("button", { name: "Deutsch" }).click()]);
    await en.getByRole("heading", { name: "Dienststatus", level: 1 }).waitFor();
    assert.match(await en.getByRole("region", { name: "Letzte 7 Tage" }).getByRole("row").nth(1).innerText(), /31\. Jan\. 2027, 05:00 MEZ/);
    await shot(en, "status-after-de");
  } finally {
    await browser.close();
    await h.cleanup();
    rmSync(clockDir, { recursive: true, force: true });
  }
});
