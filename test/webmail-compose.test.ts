/**
 * Writing mail in the webmail (issue 14) in Chromium, with real peers: imaplib reads what arrived
 * and what was kept, and Debian's Postfix is the remote domain's MX (its DNS a local test server).
 * A message with an attachment to a local user, a remote one and a Bcc; a reply (quoted, threaded,
 * the original \Answered), reply all's recipients, a forward carrying the attachment ($Forwarded);
 * a draft saved, saved again, reopened and sent; a forged sender, a post without the CSRF token, an
 * unknown local recipient; the German page. Screenshots go to $SEALPOST_SCREENSHOTS when it is set.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { startDnsServer, type DnsServer } from "./dns-server.ts";
import { eventually, python, startSealpost, type ServerHandle } from "./harness.ts";
import { startPostfixPeers, type PostfixPeers } from "./postfix-peer.ts";
import { launchChromium, newContext, signIn, shot } from "./support/browser.ts";
import { IMAP_LOGIN } from "./support/python-imap.ts";

const ALICE = "alice@example.test";
const BOB = "bob@example.test";
const DAVE = "dave@example.test";
const PW = "correct horse battery";
const FILE = randomBytes(70_000); // binary, past one base64 line and one read chunk
const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

/** imaplib as a mail program: APPEND a message, or every message of a folder with its flags, headers and files. */
const IMAP = `${IMAP_LOGIN}import base64, email, hashlib, json, time
from email import policy
if e["MODE"] == "append":
    typ, data = M.append(e["FOLDER"], None, time.time(), base64.b64decode(e["MSG"]))
    assert typ == "OK", typ
    print(data[0].decode().split("APPENDUID ")[1].split(" ")[1].rstrip("]"))
else:
    typ, _ = M.select('"' + e["FOLDER"] + '"', readonly=True)
    assert typ == "OK", typ
    typ, data = M.uid("FETCH", "1:*", "(UID FLAGS BODY.PEEK[])")
    out = []
    for item in data:
        if not isinstance(item, tuple): continue
        meta = item[0].decode()
        raw = item[1]
        msg = email.message_from_bytes(raw, policy=policy.default)
        head = raw.split(b"\\r\\n\\r\\n", 1)[0].decode("latin1")
        files = [{"name": p.get_filename(), "sha": hashlib.sha256(p.get_payload(decode=True)).hexdigest()} for p in msg.iter_attachments()]
        body = msg.get_body(preferencelist=("plain",))
        out.append({"uid": int(meta.split("UID ")[1].split(" ")[0].rstrip(")")), "flags": meta.split("FLAGS (")[1].split(")")[0], "head": head,
                    "subject": str(msg["subject"]), "from": str(msg["from"]), "to": str(msg["to"] or ""), "cc": str(msg["cc"] or ""), "bcc": str(msg["bcc"] or ""),
                    "inReplyTo": str(msg["in-reply-to"] or ""), "references": str(msg["references"] or ""), "messageId": str(msg["message-id"] or ""),
                    "text": body.get_content() if body is not None else "", "files": files})
    print(json.dumps(out))
M.logout()
`;

interface Fetched {
  uid: number;
  flags: string;
  head: string;
  subject: string;
  from: string;
  to: string;
  cc: string;
  bcc: string;
  inReplyTo: string;
  references: string;
  messageId: string;
  text: string;
  files: Array<{ name: string; sha: string }>;
}

let h: ServerHandle;
let peers: PostfixPeers;
let dns: DnsServer;
let browser: Browser;
let base: string;

function mailbox(user: string, folder = "INBOX"): Fetched[] {
  return JSON.parse(python(IMAP, { IMAPS: String(h.ports.imaps), USER: user, PW, MODE: "list", FOLDER: folder })) as Fetched[];
}
function append(user: string, message: string, folder = "INBOX"): number {
  return Number(python(IMAP, { IMAPS: String(h.ports.imaps), USER: user, PW, MODE: "append", FOLDER: folder, MSG: Buffer.from(message).toString("base64") }).trim());
}
const bySubject = (list: Fetched[], subject: string): Fetched | undefined => list.find((m) => m.subject === subject);

async function alice(locale = "en-US"): Promise<Page> {
  const page = await (await newContext(browser, locale)).newPage();
  if (locale.startsWith("de")) await signIn(page, base, ALICE, PW, { address: "E-Mail-Adresse", password: "Passwort", submit: "Anmelden" });
  else await signIn(page, base, ALICE, PW);
  return page;
}

/** The folder's id, from its link beside the page (/mail/f/ID). */
async function folderId(page: Page, name: string): Promise<number> {
  // Its label says how many are unread ("INBOX, 1 unread").
  const href = await page.getByRole("navigation", { name: /^(Folders|Ordner)$/ }).getByRole("link", { name: new RegExp(`^${name}(,|$)`) }).getAttribute("href");
  return Number(/\/mail\/f\/(\d+)/.exec(href ?? "")?.[1]);
}

async function send(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Send" }).click();
  await page.waitForLoadState("domcontentloaded");
}

before(async () => {
  peers = await startPostfixPeers(["modern"]);
  dns = await startDnsServer({ "remote.test": { MX: [{ preference: 10, exchange: "mail.peer.test" }] }, "mail.peer.test": { A: ["127.0.0.1"] } });
  h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [ALICE, BOB, DAVE].map((address) => ({ address, password: PW })),
    settings: {
      dns: `servers = ["${dns.address}"]\ntimeout_ms = 2000`,
      queue: "min_backoff = 1\nmax_backoff = 2",
      // Small, so that a test can go past it: the webmail takes what port 587 takes.
      smtp: "max_message_size = 200000",
      delivery: `remote_port = ${peers.ports.modern}\nca_file = "${peers.ca}"\ntls_policy = "verify"`,
    },
  });
  browser = await launchChromium();
  base = `https://127.0.0.1:${h.ports.web}`;
});

after(async () => {
  await browser?.close();
  await h?.cleanup();
  await dns?.close();
  peers?.stop();
});

test("a message with an attachment reaches a local user (IMAP), a remote Postfix and a Bcc recipient; the copy in Sent keeps the Bcc", { timeout: 120_000 }, async () => {
  const page = await alice();
  await page.goto(`${base}/mail/compose`);
  await page.getByRole("heading", { name: "Write a message", level: 1 }).waitFor();
  assert.ok((await page.locator("form.compose").innerText()).includes(ALICE), "the sender is shown");
  assert.equal(await page.locator('form.compose input[name="from"]').count(), 0, "and cannot be edited");
  await shot(page, "webmail-compose-en");
  await page.getByLabel("To").fill(`${BOB}, Carol <carol@remote.test>`);
  await page.getByLabel("Bcc").fill(DAVE);
  await page.getByLabel("Subject").fill("Quarterly report — Grüße");
  await page.getByLabel("Message").fill("Hello Bob,\nthe report is attached.\nAlice");
  await page.getByLabel("Attach files").setInputFiles({ name: "Bericht Q3 ä.bin", mimeType: "application/octet-stream", buffer: FILE });
  await send(page);
  await page.getByRole("heading", { name: "Message sent", level: 1 }).waitFor();
  await page.getByText(`Your message was sent to ${BOB}, carol@remote.test, ${DAVE}.`).waitFor();

  const got = bySubject(mailbox(BOB), "Quarterly report — Grüße");
  assert.ok(got !== undefined, "Bob has it");
  assert.deepEqual(got.files, [{ name: "Bericht Q3 ä.bin", sha: sha(FILE) }], "the attachment's bytes intact");
  assert.equal(got.from, ALICE);
  assert.match(got.text, /the report is attached/);
  assert.match(got.messageId, /@mx\.sealpost\.test>$/, "a Message-ID with the server's host name");
  // Signed as it was queued for carol (src/dkim): Bob's copy is the same file, the two DKIM-Signature fields above our Received.
  assert.match(got.head, /^(?:DKIM-Signature: .*d=example\.test;.*\r\n(?:\t.*\r\n)*){2}Received: from \[127\.0\.0\.1\] \(\[127\.0\.0\.1\]\)\r\n\tby mx\.sealpost\.test \(Sealpost webmail, authenticated over HTTPS\) id [0-9A-F.]+\r\n\t\(using TLSv1\.[23] with cipher /);
  assert.doesNotMatch(got.head, /^Bcc:/im, "no Bcc field in what is delivered");
  const blind = bySubject(mailbox(DAVE), "Quarterly report — Grüße");
  assert.ok(blind !== undefined, "the Bcc recipient has it");
  assert.equal(blind.bcc, "");

  const remote = await eventually(() => peers.messages("modern").find((m) => m.includes("Quarterly report") || m.includes("=?UTF-8?")), 30_000, "the message at Postfix");
  assert.match(remote, /using TLSv1\.[23] with cipher/, "delivered to Postfix over TLS");
  assert.match(remote, /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.test;/m, "signed");
  assert.ok(remote.replace(/\r?\n/g, "").includes(FILE.toString("base64").slice(0, 600)), "the attachment arrived");
  assert.doesNotMatch(remote.split(/\r?\n\r?\n/)[0] ?? "", /^Bcc:/im);

  const sent = bySubject(mailbox(ALICE, "Sent"), "Quarterly report — Grüße");
  assert.ok(sent !== undefined, "the copy is in Sent");
  assert.match(sent.flags, /\\Seen/);
  assert.equal(sent.bcc, DAVE, "Sent keeps the Bcc");
  assert.equal(sent.messageId, got.messageId, "the same message");
  assert.doesNotMatch(sent.head, /^(Received|DKIM-Signature):/m, "as written, without the Received header or signatures");
});

const ORIGINAL = [
  "From: Bob <bob@example.test>",
  "To: Alice <alice@example.test>, dave@example.test",
  "Cc: erin@remote.test",
  "Subject: Re: Lunch plans",
  "Message-ID: <lunch-2@example.test>",
  "In-Reply-To: <lunch-1@example.test>",
  "References: <lunch-1@example.test>",
  "Date: Tue, 03 Nov 2026 10:00:00 +0000",
  "MIME-Version: 1.0",
  'Content-Type: multipart/mixed; boundary="b1"',
  "",
  "--b1",
  "Content-Type: text/plain; charset=utf-8",
  "",
  "Shall we meet at noon?",
  "Bob",
  "--b1",
  'Content-Type: application/octet-stream; name="menu.bin"',
  'Content-Disposition: attachment; filename="menu.bin"',
  "Content-Transfer-Encoding: base64",
  "",
  FILE.subarray(0, 3000).toString("base64").replace(/.{76}/g, "$&\r\n"),
  "--b1--",
  "",
].join("\r\n");

test("reply quotes and threads (In-Reply-To, References) and marks the original \\Answered; reply all's recipients; forward carries the attachment", { timeout: 120_000 }, async () => {
  const uid = append(ALICE, ORIGINAL);
  const page = await alice();
  await page.goto(`${base}/mail/compose`);
  const inbox = await folderId(page, "INBOX");

  await page.goto(`${base}/mail/compose?reply=${inbox}.${uid}&mode=reply`);
  await page.getByRole("heading", { name: "Reply", level: 1 }).waitFor();
  assert.equal(await page.getByLabel("To").inputValue(), "Bob <bob@example.test>");
  assert.equal(await page.getByLabel("Cc", { exact: true }).inputValue(), "");
  assert.equal(await page.getByLabel("Subject").inputValue(), "Re: Lunch plans", "no second Re:");
  const quoted = await page.getByLabel("Message").inputValue();
  assert.match(quoted, /^On 3 Nov 2026, 10:00 UTC, Bob wrote:\n> Shall we meet at noon\?\n> Bob\n/);
  await shot(page, "webmail-compose-reply-en");
  await page.getByLabel("Message").fill(`Noon is fine.\n\n${quoted}`);
  await send(page);
  await page.getByRole("heading", { name: "Message sent", level: 1 }).waitFor();
  const answer = await eventually(() => mailbox(BOB).find((m) => m.subject === "Re: Lunch plans"), 10_000, "the reply at Bob");
  assert.equal(answer.inReplyTo, "<lunch-2@example.test>");
  assert.equal(answer.references, "<lunch-1@example.test> <lunch-2@example.test>");
  assert.match(answer.text, /Noon is fine\.\r?\n\r?\nOn 3 Nov 2026, 10:00 UTC, Bob wrote:\r?\n> Shall we meet at noon\?/);
  const flagged = mailbox(ALICE).find((m) => m.uid === uid);
  assert.match(flagged?.flags ?? "", /\\Answered/, "the original is answered (RFC 9051 §2.3.2)");

  await page.goto(`${base}/mail/compose?reply=${inbox}.${uid}&mode=all`);
  assert.equal(await page.getByLabel("To").inputValue(), `Bob <bob@example.test>, ${DAVE}`, "the others in To, not Alice herself");
  assert.equal(await page.getByLabel("Cc", { exact: true }).inputValue(), "erin@remote.test");

  await page.goto(`${base}/mail/compose?reply=${inbox}.${uid}&mode=forward`);
  await page.getByRole("heading", { name: "Forward", level: 1 }).waitFor();
  assert.equal(await page.getByLabel("To").inputValue(), "");
  assert.equal(await page.getByLabel("Subject").inputValue(), "Fwd: Re: Lunch plans");
  assert.ok(await page.getByRole("checkbox", { name: /^Keep menu\.bin/ }).isChecked(), "the attachment is carried along");
  assert.match(await page.getByLabel("Message").inputValue(), /---------- Forwarded message ----------\nFrom: Bob <bob@example.test>\n[^]*Shall we meet at noon\?/);
  await page.getByLabel("To").fill(DAVE);
  await send(page);
  await page.getByRole("heading", { name: "Message sent", level: 1 }).waitFor();
  const forwarded = await eventually(() => mailbox(DAVE).find((m) => m.subject === "Fwd: Re: Lunch plans"), 10_000, "the forward at Dave");
  assert.deepEqual(forwarded.files, [{ name: "menu.bin", sha: sha(FILE.subarray(0, 3000)) }]);
  assert.match(mailbox(ALICE).find((m) => m.uid === uid)?.flags ?? "", /\$Forwarded/, "RFC 5788's $Forwarded");
});

test("a draft is saved, saved again (replacing it), reopened with its attachment, and sent: gone from Drafts, in Sent", { timeout: 120_000 }, async () => {
  const page = await alice();
  await page.goto(`${base}/mail/compose`);
  await page.getByLabel("To").fill(BOB);
  await page.getByLabel("Subject").fill("Draft one");
  await page.getByLabel("Message").fill("Not finished yet.");
  await page.getByLabel("Attach files").setInputFiles({ name: "notes.bin", mimeType: "application/octet-stream", buffer: FILE.subarray(0, 5000) });
  await page.getByRole("button", { name: "Save draft" }).click();
  await page.getByText("The draft was saved in the folder Drafts.").waitFor();
  await page.getByRole("heading", { name: "Draft", level: 1 }).waitFor();
  let drafts = mailbox(ALICE, "Drafts");
  assert.deepEqual(drafts.map((d) => d.subject), ["Draft one"]);
  assert.match(drafts[0]?.flags ?? "", /\\Draft/);

  await page.getByLabel("Subject").fill("Draft two");
  await page.getByRole("button", { name: "Save draft" }).click();
  await page.getByText("The draft was saved in the folder Drafts.").waitFor();
  drafts = mailbox(ALICE, "Drafts");
  assert.deepEqual(drafts.map((d) => d.subject), ["Draft two"], "the old draft is replaced");
  assert.deepEqual(drafts[0]?.files, [{ name: "notes.bin", sha: sha(FILE.subarray(0, 5000)) }], "its attachment kept by reference");

  // Reopened from its address, as the folder list links it.
  await page.goto(`${base}/mail/compose?draft=${drafts[0]?.uid}`);
  assert.equal(await page.getByLabel("Subject").inputValue(), "Draft two");
  assert.equal(await page.getByLabel("Message").inputValue(), "Not finished yet.");
  assert.ok(await page.getByRole("checkbox", { name: /^Keep notes\.bin/ }).isChecked());
  await page.getByLabel("Message").fill("Finished now.");
  await send(page);
  await page.getByRole("heading", { name: "Message sent", level: 1 }).waitFor();
  assert.deepEqual(mailbox(ALICE, "Drafts"), [], "the draft is gone");
  assert.ok(bySubject(mailbox(ALICE, "Sent"), "Draft two") !== undefined, "the message is in Sent");
  const got = await eventually(() => bySubject(mailbox(BOB), "Draft two"), 10_000, "the message at Bob");
  assert.deepEqual(got.files, [{ name: "notes.bin", sha: sha(FILE.subarray(0, 5000)) }]);
  assert.doesNotMatch(got.head, /X-Sealpost-Origin/i);
});

test("refusals: a forged sender is ignored, a post without the CSRF token is 403, an unknown local recipient keeps the form", { timeout: 120_000 }, async () => {
  const page = await alice();
  await page.goto(`${base}/mail/compose`);
  const token = await page.locator('form.compose input[name="_csrf"]').getAttribute("value");
  assert.ok(token !== null);
  const form = { to: BOB, subject: "Forged?", text: "who am I", action: "send" };
  const forged = await page.request.post(`${base}/mail/compose`, { multipart: { _csrf: token, from: BOB, ...form }, maxRedirects: 0 });
  assert.equal(forged.status(), 303);
  const arrived = await eventually(() => bySubject(mailbox(BOB), "Forged?"), 10_000, "the message");
  assert.equal(arrived.from, ALICE, "the sender is the account's own address, whatever was posted");

  const before = mailbox(BOB).length;
  for (const multipart of [{ ...form, subject: "No token" }, { ...form, subject: "Bad token", _csrf: "x".repeat(40) }]) {
    const r = await page.request.post(`${base}/mail/compose`, { multipart, maxRedirects: 0 });
    assert.equal(r.status(), 403, multipart.subject);
  }
  assert.equal(mailbox(BOB).length, before, "nothing was sent");

  await page.getByLabel("To").fill(`${BOB}, nobody@example.test`);
  await page.getByLabel("Subject").fill("To nobody");
  await page.getByLabel("Message").fill("Keep this text.");
  await send(page);
  await page.getByText("The message was not sent; nobody received it. The server refused:").waitFor();
  await page.getByText(/nobody@example\.test: 550 5\.1\.1 .*User unknown/).waitFor();
  assert.equal(await page.getByLabel("Message").inputValue(), "Keep this text.", "what was written is kept");
  assert.equal(await page.getByLabel("To").inputValue(), `${BOB}, nobody@example.test`);
  await shot(page, "webmail-compose-refused-en");
  assert.equal(bySubject(mailbox(BOB), "To nobody"), undefined, "not half-sent");

  // Past [smtp] max_message_size: 413 and a clear page, the text kept, the file to be chosen again.
  await page.getByLabel("To").fill(BOB);
  await page.getByLabel("Attach files").setInputFiles({ name: "big.bin", mimeType: "application/octet-stream", buffer: randomBytes(300_000) });
  const [big] = await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), send(page)]);
  assert.equal(big.status(), 413);
  await page.getByText("The message with its attachments is larger than the 195.3 KB this server accepts. Attach fewer or smaller files.").waitFor();
  await page.getByText("Files you had chosen to attach are not kept: please choose them again.").waitFor();
  assert.equal(await page.getByLabel("Message").inputValue(), "Keep this text.");
  await shot(page, "webmail-compose-too-large-en");

  await page.getByLabel("Cc", { exact: true }).fill("carol@");
  await send(page);
  await page.getByText('Cc: "carol@" is not an email address. Write it as name@example.com.').waitFor();
  await shot(page, "webmail-compose-error-en");
});

test("the page in German", { timeout: 120_000 }, async () => {
  const uid = append(ALICE, ORIGINAL.replace("lunch-2@", "lunch-de@"));
  const page = await alice("de-DE");
  await page.goto(`${base}/mail/compose`);
  await page.getByRole("heading", { name: "Nachricht schreiben", level: 1 }).waitFor();
  await shot(page, "webmail-compose-de");
  const inbox = await folderId(page, "Posteingang");
  await page.goto(`${base}/mail/compose?reply=${inbox}.${uid}&mode=reply`);
  await page.getByRole("heading", { name: "Antworten", level: 1 }).waitFor();
  assert.match(await page.getByLabel("Nachricht", { exact: true }).inputValue(), /^Am 03\.11\.2026, 10:00 UTC schrieb Bob:\n> Shall we meet/);
  await shot(page, "webmail-compose-reply-de");
  await page.getByLabel("An", { exact: true }).fill("bob@");
  await page.getByRole("button", { name: "Senden" }).click();
  await page.getByText("An: „bob@“ ist keine E-Mail-Adresse. Schreiben Sie sie in der Form name@example.com.").waitFor();
  await shot(page, "webmail-compose-error-de");
  await page.getByLabel("An", { exact: true }).fill(BOB);
  await page.getByRole("button", { name: "Senden" }).click();
  await page.getByRole("heading", { name: "Nachricht gesendet", level: 1 }).waitFor();
  await page.getByText(`Ihre Nachricht wurde an ${BOB} gesendet.`).waitFor();
});
