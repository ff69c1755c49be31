/**
 * The domain page in Chromium (issue 11): a domain administrator turns on "Require TLS for
 * incoming mail", sees the impact preview list the sender that delivered in plaintext (Python's
 * smtplib), and confirms; a plaintext RCPT then gets 450 4.7.0 and one over STARTTLS is accepted,
 * and the audit trail (page and `domain log`) names who switched it, beside the DKIM keys made with
 * the domain. The same for a relay domain, by its own administrator, a console-only account (no mailbox here): its mail then reaches the
 * next hop (Debian's Postfix) only when the sender used TLS. In German the switch has the gateway's own wording.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { eventually, python, startSealpost, type ServerHandle } from "./harness.ts";
import { startPostfixPeers, type PostfixPeers } from "./postfix-peer.ts";
import { launchChromium, newContext, signIn, shot } from "./support/browser.ts";

const PW = "correct horse battery";
const DOMAIN_ADMIN = "da@example.test";
/** The relay domain's own administrator: a console-only account (no mailbox here). */
const GATEWAY_ADMIN = "postmaster@customer.test";

let h: ServerHandle;
let peers: PostfixPeers;
let browser: Browser;

before(async () => {
  peers = await startPostfixPeers(["modern"]);
  h = await startSealpost({ domains: [{ name: "example.test" }], users: [{ address: "alice@example.test", password: PW }] });
  const relay = h.cli(["relay", "add", "customer.test", "--next-hop", `127.0.0.1:${peers.ports.modern}`, "--level", "encrypt"]);
  assert.equal(relay.status, 0, relay.stderr);
  for (const address of [DOMAIN_ADMIN, GATEWAY_ADMIN]) {
    const r = h.cli(["user", "add", address, "--role", "domain-admin"], `${PW}\n`);
    assert.equal(r.status, 0, r.stderr);
  }
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await h?.cleanup();
  peers?.stop();
});

/** One message from an old scanner that never uses TLS, or from a server that does: [RCPT code, text]. */
function send(to: string, subject: string, tls: boolean): [number, string] {
  const out = python(`
import json, smtplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP("127.0.0.1", ${h.ports.mx}, local_hostname="${tls ? "mx.sender.example" : "old-scanner.sender.example"}")
s.ehlo()
if ${tls ? "True" : "False"}:
    s.starttls(context=ctx); s.ehlo("mx.sender.example")
s.mail("scanner@sender.example")
code, text = s.rcpt("${to}")
if code == 250:
    s.data("From: scanner@sender.example\\r\\nTo: ${to}\\r\\nSubject: ${subject}\\r\\n\\r\\nscan\\r\\n")
s.quit()
print(json.dumps([code, text.decode()]))
`);
  return JSON.parse(out) as [number, string];
}

/** Turns the switch on as a person would: check it, save, read the preview, confirm. Returns the preview's text. */
async function requireTls(page: Page, domain: string, screenshot?: string): Promise<string> {
  await page.getByRole("link", { name: "Domains" }).click();
  await page.getByRole("link", { name: domain }).click();
  await page.getByRole("heading", { name: `Domain ${domain}` }).waitFor();
  const toggle = page.getByRole("switch", { name: "Require TLS for incoming mail" });
  assert.equal(await toggle.isChecked(), false);
  await toggle.check();
  await page.getByRole("button", { name: "Save" }).click();
  const preview = page.getByRole("region", { name: "Before you switch it on: who will be turned away" });
  await preview.waitFor();
  const text = await preview.innerText();
  if (screenshot !== undefined) await shot(page, screenshot);
  await page.getByRole("button", { name: "Confirm: require TLS" }).click();
  await page.getByText("Mandatory TLS is on: mail for this domain is now accepted only over TLS.").waitFor();
  assert.equal(await page.getByRole("switch", { name: "Require TLS for incoming mail" }).isChecked(), true);
  return text;
}

test("a domain administrator previews who mandatory TLS turns away, confirms, and plaintext RCPTs then get 450 4.7.0", { timeout: 90_000 }, async () => {
  assert.equal(send("alice@example.test", "scan one", false)[0], 250);
  const page = await (await newContext(browser)).newPage();
  await signIn(page, `https://127.0.0.1:${h.ports.web}`, DOMAIN_ADMIN, PW);
  const preview = await requireTls(page, "example.test", "domain-preview-en");
  assert.match(preview, /1 sending server delivered mail to this domain without TLS in the last 30 days/);
  assert.match(preview, /127\.0\.0\.1\told-scanner\.sender\.example\tsender\.example\t1\t/);
  assert.match(preview, /450 4\.7\.0/);
  await shot(page, "domain-en");

  const [code, text] = send("alice@example.test", "scan two", false);
  assert.equal(code, 450);
  assert.match(text, /^4\.7\.0 /);
  assert.equal(send("alice@example.test", "over tls", true)[0], 250);

  // Who switched it, on the page and in the CLI.
  const trail = await page.getByRole("region", { name: "Changes (who switched what, and when)" }).innerText();
  assert.match(trail, new RegExp(`Mandatory TLS\\ton\\tweb:${DOMAIN_ADMIN}`));
  // The domain's first DKIM keys, made when it was added, are in the same trail with their selectors.
  assert.match(trail, /DKIM keys sign from now\tsp\d{4}a-ed, sp\d{4}a-rsa\tcli:/);
  assert.match(h.cli(["domain", "log", "example.test"]).stdout, new RegExp(`mandatory_tls\\s+on\\s+web:${DOMAIN_ADMIN}`));
  // The domain's inbound TLS over 30 days, as the page showed it after the switch: the one plaintext session.
  const inbound = await page.getByRole("region", { name: "Incoming mail by TLS version (last 30 days)" }).innerText();
  assert.match(inbound, /Share without TLS: 100%/);
  assert.match(inbound, /without TLS	1	1/);
  // Its administrator sees nothing of a domain that is not theirs.
  const other = await page.goto(`https://127.0.0.1:${h.ports.web}/domain/customer.test`);
  assert.equal(other?.status(), 404);
});

test("a relay domain's own administrator, with no mailbox here, switches it too; its mail then reaches the next hop only over TLS", { timeout: 90_000 }, async () => {
  assert.equal(send("info@customer.test", "relay plain before", false)[0], 250);
  await eventually(() => (peers.messages("modern").some((m) => m.includes("relay plain before")) ? true : undefined), 20_000, "the plaintext message at Postfix");
  const page = await (await newContext(browser)).newPage();
  await signIn(page, `https://127.0.0.1:${h.ports.web}`, GATEWAY_ADMIN, PW);
  // No mailbox here: the account page says so instead of giving a mail program's settings.
  await page.getByText("This account has no mailbox here: it signs in to this console only, to administer its domain.").waitFor();
  const preview = await requireTls(page, "customer.test");
  assert.match(preview, /127\.0\.0\.1\told-scanner\.sender\.example\tsender\.example\t1\t/);

  assert.equal(send("info@customer.test", "relay plain after", false)[0], 450);
  assert.equal(send("info@customer.test", "relay tls after", true)[0], 250);
  await eventually(() => (peers.messages("modern").some((m) => m.includes("relay tls after")) ? true : undefined), 20_000, "the TLS message at Postfix");
  assert.ok(!peers.messages("modern").some((m) => m.includes("relay plain after")));
  assert.match(h.cli(["domain", "log", "customer.test"]).stdout, new RegExp(`mandatory_tls\\s+on\\s+web:${GATEWAY_ADMIN}`));
});

test("in German the switch has the gateway's wording", { timeout: 60_000 }, async () => {
  const page = await (await newContext(browser, "de-DE")).newPage();
  await signIn(page, `https://127.0.0.1:${h.ports.web}`, DOMAIN_ADMIN, PW, { address: "E-Mail-Adresse", password: "Passwort", submit: "Anmelden" });
  await page.goto(`https://127.0.0.1:${h.ports.web}/domain/example.test`);
  await page.getByRole("heading", { name: "Domain example.test" }).waitFor();
  assert.equal(await page.getByRole("switch", { name: "TLS-Verbindung für alle eingehenden Mails erzwingen" }).isChecked(), true);
  await page.getByRole("heading", { name: "Änderungen (wer was wann umgeschaltet hat)" }).waitFor();
  const trail = await page.getByRole("region", { name: "Änderungen (wer was wann umgeschaltet hat)" }).innerText();
  assert.match(trail, /DKIM-Schlüssel signieren ab jetzt\tsp\d{4}a-ed, sp\d{4}a-rsa\tcli:/);
  await shot(page, "domain-de");
});
