/**
 * The account page in Chromium (issue 11): a user signs in on /login by the labelled fields, sees
 * their IMAP, POP3, submission and web sign-ins with TLS versions (made by Python's imaplib, poplib
 * and smtplib), and a refused TLS 1.0 handshake from their address (openssl s_client -tls1) marked
 * as probably their device, with its hint, the error messages such a device shows and what to do.
 * Another user sees none of those rows. The same page in German. Screenshots go to
 * $SEALPOST_SCREENSHOTS when it is set.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { eventually, python, startSealpost } from "./harness.ts";
import { launchChromium, newContext, signIn, shot } from "./support/browser.ts";
import { oldTlsHandshake } from "./tls-client-env.ts";

const ALICE = "alice@example.test";
const BOB = "bob@example.test";
const PW = "correct horse battery";

const MAIL_CLIENTS = `
import imaplib, os, poplib, smtplib, ssl
e = os.environ
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
M = imaplib.IMAP4_SSL("127.0.0.1", int(e["IMAPS"]), ssl_context=ctx); M.login(e["USER"], e["PW"]); M.logout()
if e.get("ALL") == "1":
    P = poplib.POP3_SSL("127.0.0.1", int(e["POP3S"]), context=ctx); P.user(e["USER"]); P.pass_(e["PW"]); P.quit()
    S = smtplib.SMTP_SSL("127.0.0.1", int(e["SUBMISSIONS"]), context=ctx); S.login(e["USER"], e["PW"]); S.quit()
print("ok")
`;

/** The history table's rows as text, one string per row. */
async function rows(page: Page): Promise<string[]> {
  return page.getByRole("table").filter({ has: page.getByRole("columnheader", { name: /^(Time|Zeit)$/ }) }).getByRole("row").allInnerTexts();
}

test("in Chromium a user sees their logins on every protocol with TLS versions and their old device explained; another user does not", { timeout: 120_000 }, async () => {
  const h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [
      { address: ALICE, password: PW },
      { address: BOB, password: PW },
    ],
    settings: { auth: "failure_delay_ms = 50" },
  });
  const browser = await launchChromium();
  try {
    const env = { IMAPS: String(h.ports.imaps), POP3S: String(h.ports.pop3s), SUBMISSIONS: String(h.ports.submissions), PW };
    assert.equal(python(MAIL_CLIENTS, { ...env, USER: ALICE, ALL: "1" }).trim(), "ok");
    assert.equal(python(MAIL_CLIENTS, { ...env, USER: BOB }).trim(), "ok");
    // An old device at alice's address: TLS 1.0 only, refused by the IMAPS port.
    const old = await oldTlsHandshake(h.ports.imaps);
    assert.notEqual(old.status, 0, old.stdout + old.stderr);
    const base = `https://127.0.0.1:${h.ports.web}`;

    const alice = await (await newContext(browser)).newPage();
    await signIn(alice, base, ALICE, PW);
    assert.equal(new URL(alice.url()).pathname, "/account");
    await alice.getByRole("heading", { name: "My account" }).waitFor();
    const aliceRows = await eventually(async () => {
      await alice.reload();
      const r = await rows(alice);
      return ["imap", "pop3", "submission", "web"].every((p) => r.some((x) => x.includes(`\t${p}\t`))) && r.some((x) => x.includes("TLS handshake refused")) ? r : undefined;
    }, 10_000, "rows for every protocol and the refused handshake");
    for (const p of ["imap", "pop3", "submission", "web"]) {
      const row = aliceRows.find((x) => x.includes(`\t${p}\t`) && x.endsWith("signed in"));
      assert.match(row ?? "", /TLSv1\.3\tTLS_AES_\w+\tsigned in$/, `${p}: ${aliceRows.join("\n")}`);
    }
    const webRow = aliceRows.find((x) => x.includes("\tweb\t")) ?? "";
    assert.match(webRow, /Headless Chrome \d+ on Linux/);
    assert.match(webRow, new RegExp(`\\t${h.ports.web}\\t`));

    const legacyRow = alice.getByRole("row").filter({ hasText: "TLS handshake refused" }).filter({ hasText: "Old TLS" });
    await assert.doesNotReject(legacyRow.getByText("Old TLS", { exact: true }).waitFor());
    assert.match(await legacyRow.innerText(), /offered at most TLSv1\b/);
    assert.match(await legacyRow.innerText(), /Probably your device/);
    await legacyRow.getByText(/limited to TLS 1\.0/).waitFor();
    // The row links to what such a device shows when it is turned away, and what to do.
    await legacyRow.getByRole("link", { name: "Error messages and what to do" }).click();
    assert.equal(new URL(alice.url()).hash, "#help-tls10");
    const help = alice.getByRole("region", { name: /^An old device or program limited to TLS 1\.0/ });
    await help.getByText(/0x800CCC1A/).waitFor();
    await help.getByText(/What to do: update the device/).waitFor();
    await alice.getByRole("status").or(alice.getByRole("alert")).filter({ hasText: "1 device used TLS 1.0/1.1 in the last 30 days" }).waitFor();
    // The settings a mail program needs, with this server's name and ports.
    const settings = await alice.getByRole("table").filter({ has: alice.getByRole("columnheader", { name: "Security" }) }).innerText();
    assert.match(settings, new RegExp(`IMAP \\(receive\\)\\tmx\\.sealpost\\.test\\t${h.ports.imaps}\\tSSL/TLS`));
    assert.match(settings, new RegExp(`SMTP \\(send\\)\\tmx\\.sealpost\\.test\\t${h.ports.submission}\\tSTARTTLS`));
    // Only TLS ways in are offered (as in the settings documents): not IMAP or POP3 with STARTTLS on 143/110.
    assert.doesNotMatch(settings, new RegExp(`\\t(${h.ports.imap}|${h.ports.pop3})\\t`));
    await shot(alice, "account-en");
    // Filter by protocol.
    await alice.getByLabel("Protocol").selectOption("pop3");
    await alice.getByRole("button", { name: "Show" }).click();
    const pop3Only = await rows(alice);
    assert.ok(pop3Only.length >= 2 && pop3Only.slice(1).every((x) => x.includes("\tpop3\t")), pop3Only.join("\n"));

    // Bob: his own rows only (the refused handshake is from an address he signed in from too).
    const bob = await (await newContext(browser)).newPage();
    await signIn(bob, base, BOB, PW);
    const bobRows = await rows(bob);
    assert.ok(!bobRows.some((x) => /\t(pop3|submission)\t/.test(x)), bobRows.join("\n"));
    assert.equal(bobRows.filter((x) => x.includes("\tweb\t") && x.endsWith("signed in")).length, 1, bobRows.join("\n"));
    // No URL shows him alice's history.
    await bob.goto(`${base}/account?address=${encodeURIComponent(ALICE)}&protocol=pop3`);
    assert.equal((await rows(bob)).length, 0);
    assert.ok(!(await bob.content()).includes(ALICE));

    // German, from the browser's language, and switchable back on the page.
    const de = await (await newContext(browser, "de-DE")).newPage();
    await signIn(de, base, ALICE, PW, { address: "E-Mail-Adresse", password: "Passwort", submit: "Anmelden" });
    await de.getByRole("heading", { name: "Mein Konto" }).waitFor();
    await de.getByRole("heading", { name: "Login-Historie (letzte 90 Tage)" }).waitFor();
    await de.getByText("1 Gerät hat in den letzten 30 Tagen TLS 1.0/1.1 verwendet", { exact: false }).waitFor();
    assert.match((await rows(de)).join("\n"), /TLS-Verbindung abgewiesen/);
    await shot(de, "account-de");
    await de.getByRole("button", { name: "English" }).click();
    await de.getByRole("heading", { name: "My account" }).waitFor();

    // Sign out ends the session: the page is gone, and the old cookie does not bring it back.
    await alice.getByRole("button", { name: "Sign out" }).click();
    await alice.getByText("You are signed out.").waitFor();
    await alice.goto(`${base}/account`);
    assert.equal(new URL(alice.url()).pathname, "/login");
  } finally {
    await browser.close();
    await h.cleanup();
  }
});
