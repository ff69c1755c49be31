/**
 * The webmail from end to end, as issue 14's first "Done when" describes it, in Chromium: a
 * multipart message (text and HTML, a PDF attached) arrives over SMTP from a remote sender; the
 * user signs in, goes to Mail, opens it from the list, sees the HTML in its frame, downloads the
 * attachment (the bytes are the sender's), replies with a file of their own and a local user in
 * Cc; the reply arrives at the local user (read back over IMAP, the file intact) and at the remote
 * sender's MX, a real Postfix (over TLS, the file intact); the copy is in Sent, and the original
 * is \Answered.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { startDnsServer, type DnsServer } from "./dns-server.ts";
import { eventually, python, startSealpost, type ServerHandle } from "./harness.ts";
import { startPostfixPeers, type PostfixPeers } from "./postfix-peer.ts";
import { launchChromium, newContext, signIn, shot } from "./support/browser.ts";
import { IMAP_LOGIN } from "./support/python-imap.ts";

const ALICE = "alice@example.test";
const BOB = "bob@example.test";
const CAROL = "carol@remote.test";
const PW = "correct horse battery";
const PDF = Buffer.concat([Buffer.from("%PDF-1.4\n"), randomBytes(9_000)]);
const MINE = randomBytes(40_000);
const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

const ORIGINAL = [
  "From: Carol Remote <carol@remote.test>",
  "To: Alice <alice@example.test>",
  "Subject: Offer for the new printers",
  "Message-ID: <offer-1@remote.test>",
  "Date: Mon, 07 Dec 2026 09:00:00 +0100",
  "MIME-Version: 1.0",
  'Content-Type: multipart/mixed; boundary="outer"',
  "",
  "--outer",
  'Content-Type: multipart/alternative; boundary="alt"',
  "",
  "--alt",
  "Content-Type: text/plain; charset=utf-8",
  "",
  "Dear Alice, our offer is attached.",
  "--alt",
  "Content-Type: text/html; charset=utf-8",
  "",
  "<html><body><h1>Our offer</h1><p>Dear Alice, <b>our offer</b> is attached.</p></body></html>",
  "--alt--",
  "--outer",
  'Content-Type: application/pdf; name="offer.pdf"',
  'Content-Disposition: attachment; filename="offer.pdf"',
  "Content-Transfer-Encoding: base64",
  "",
  PDF.toString("base64").replace(/.{76}/g, "$&\r\n"),
  "--outer--",
  "",
].join("\r\n");

/** smtplib delivers the offer to the MX (STARTTLS), as a remote server would. */
const DELIVER = `
import base64, os, smtplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP("127.0.0.1", int(os.environ["MX"]), local_hostname="mail.remote.test")
s.starttls(context=ctx)
s.sendmail("carol@remote.test", ["alice@example.test"], base64.b64decode(os.environ["MSG"]))
s.quit()
`;

/** imaplib: one folder's messages (subject, flags, files' names and digests) as JSON. */
const FOLDER = `${IMAP_LOGIN}import email, hashlib, json
from email import policy
M.select(e["FOLDER"], readonly=True)
typ, data = M.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])")
out = []
for item in data:
    if not isinstance(item, tuple): continue
    msg = email.message_from_bytes(item[1], policy=policy.default)
    files = [{"name": p.get_filename(), "sha": hashlib.sha256(p.get_payload(decode=True) or b"").hexdigest()} for p in msg.iter_attachments()]
    out.append({"subject": str(msg["subject"]), "flags": item[0].decode().split("FLAGS (")[1].split(")")[0], "cc": str(msg["cc"] or ""), "files": files})
print(json.dumps(out))
M.logout()
`;

interface Fetched {
  subject: string;
  flags: string;
  cc: string;
  files: Array<{ name: string; sha: string }>;
}

let h: ServerHandle;
let peers: PostfixPeers;
let dns: DnsServer;
let browser: Browser;

function folder(user: string, name: string): Fetched[] {
  return JSON.parse(python(FOLDER, { IMAPS: String(h.ports.imaps), USER: user, PW, FOLDER: name })) as Fetched[];
}

before(async () => {
  browser = await launchChromium();
  peers = await startPostfixPeers(["modern"]);
  dns = await startDnsServer({ "remote.test": { MX: [{ preference: 10, exchange: "mail.peer.test" }] }, "mail.peer.test": { A: ["127.0.0.1"] } });
  h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [ALICE, BOB].map((address) => ({ address, password: PW })),
    settings: {
      dns: `servers = ["${dns.address}"]\ntimeout_ms = 2000`,
      queue: "min_backoff = 1\nmax_backoff = 2",
      delivery: `remote_port = ${peers.ports.modern}\nca_file = "${peers.ca}"\ntls_policy = "verify"`,
      // The DNS server runs in this process, which waits while smtplib (a blocking child) delivers
      // to the MX: the MX's sender checks would wait out their deadline. They have their own tests.
      smtp: "authentication = false",
    },
  });
});

after(async () => {
  await browser?.close();
  await h?.cleanup();
  await dns?.close();
  peers?.stop();
});

test("in Chromium a user opens a multipart message with an HTML part, downloads its attachment, and replies with a file of their own: it reaches a local user (IMAP) and the remote Postfix, and the copy is in Sent", { timeout: 180_000 }, async () => {
  python(DELIVER, { MX: String(h.ports.mx), MSG: Buffer.from(ORIGINAL).toString("base64") });
  const page = await (await newContext(browser)).newPage();
  await signIn(page, `https://127.0.0.1:${h.ports.web}`, ALICE, PW);

  // Mail → the INBOX's list → the message.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Mail" }).click();
  await page.getByRole("link", { name: "Offer for the new printers" }).click();
  await page.getByRole("heading", { level: 1, name: "Offer for the new printers" }).waitFor();
  const frame = page.frameLocator("iframe.mail-frame");
  await frame.getByRole("heading", { name: "Our offer" }).waitFor();
  assert.equal(await frame.locator("b").innerText(), "our offer", "the HTML part, formatted");
  await shot(page, "webmail-flow-message-en");

  // The attachment, downloaded: the sender's bytes.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download offer.pdf" }).click()]);
  assert.equal(download.suggestedFilename(), "offer.pdf");
  assert.equal(sha(readFileSync(await download.path())), sha(PDF));

  // Reply, with Bob in Cc and a file of Alice's own.
  await page.getByRole("link", { name: "Reply", exact: true }).click();
  await page.getByRole("heading", { name: "Reply", level: 1 }).waitFor();
  assert.equal(await page.getByLabel("To").inputValue(), `Carol Remote <${CAROL}>`);
  assert.equal(await page.getByLabel("Subject").inputValue(), "Re: Offer for the new printers");
  await page.getByLabel("Cc", { exact: true }).fill(BOB);
  const quoted = await page.getByLabel("Message").inputValue();
  await page.getByLabel("Message").fill(`Thank you, we take it. Our order is attached.\n\n${quoted}`);
  await page.getByLabel("Attach files").setInputFiles({ name: "order.bin", mimeType: "application/octet-stream", buffer: MINE });
  await shot(page, "webmail-flow-reply-en");
  await page.getByRole("button", { name: "Send" }).click();
  await page.getByRole("heading", { name: "Message sent", level: 1 }).waitFor();

  // At the local user, over IMAP, with the file intact.
  const atBob = folder(BOB, "INBOX").find((m) => m.subject === "Re: Offer for the new printers");
  assert.ok(atBob !== undefined, "Bob has the reply");
  assert.deepEqual(atBob.files, [{ name: "order.bin", sha: sha(MINE) }]);
  // At the remote sender's MX, Postfix, over TLS, with the file.
  const remote = await eventually(() => peers.messages("modern").find((m) => m.includes("Re: Offer for the new printers")), 60_000, "the reply at Postfix");
  assert.match(remote, /using TLSv1\.[23] with cipher/, "passed on over TLS");
  assert.ok(remote.replace(/\r?\n/g, "").includes(MINE.toString("base64").slice(0, 600)), "with Alice's file");
  // The copy in Sent; the original answered.
  const sent = folder(ALICE, "Sent").find((m) => m.subject === "Re: Offer for the new printers");
  assert.ok(sent !== undefined, "the copy is in Sent");
  assert.equal(sent.cc, BOB);
  assert.deepEqual(sent.files, [{ name: "order.bin", sha: sha(MINE) }]);
  // The webmail's Sent lists whom a message went to, not who sent it (always Alice).
  await page.getByRole("navigation", { name: "Folders" }).getByRole("link", { name: "Sent" }).click();
  await page.getByRole("columnheader", { name: "To" }).waitFor();
  const sentRow = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "Re: Offer for the new printers" }) });
  assert.match(await sentRow.innerText(), /Carol Remote \+1/);
  assert.match((await sentRow.textContent()) ?? "", /and 1 more/, "said in words for screen readers");
  await shot(page, "webmail-flow-sent-en");
  const original = folder(ALICE, "INBOX").find((m) => m.subject === "Offer for the new printers");
  assert.match(original?.flags ?? "", /\\Answered/);
  assert.match(original?.flags ?? "", /\\Seen/, "read when opened");
});

test("mail sent from the webmail to a domain that does not exist comes back as a DSN, as any submitted message's would, and the webmail lists it", { timeout: 120_000 }, async () => {
  const page = await (await newContext(browser)).newPage();
  await signIn(page, `https://127.0.0.1:${h.ports.web}`, ALICE, PW);
  await page.goto(`https://127.0.0.1:${h.ports.web}/mail/compose`);
  await page.getByLabel("To").fill("ghost@nowhere.test");
  await page.getByLabel("Subject").fill("To nowhere");
  await page.getByLabel("Message").fill("This domain has no mail server.");
  await page.getByRole("button", { name: "Send" }).click();
  await page.getByRole("heading", { name: "Message sent", level: 1 }).waitFor();
  // The queue runner finds no such domain (NXDOMAIN from the test DNS server): a bounce to the account.
  await eventually(() => folder(ALICE, "INBOX").find((m) => m.subject === "Undelivered Mail Returned to Sender"), 60_000, "the DSN in Alice's INBOX");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Mail" }).click();
  await page.getByRole("link", { name: "Undelivered Mail Returned to Sender" }).click();
  await page.getByText("ghost@nowhere.test").first().waitFor();
});
