/**
 * The webmail's message list (issue 14) in Chromium, with Python's imaplib and smtplib beside it:
 * messages APPENDed over IMAP and one delivered over SMTP show newest first with their marks (an
 * encoded-word sender and subject decoded, an attachment, a flagged one, a read one); 67 messages
 * make two pages; search by sender, recipient, subject and body text finds those and only those, as
 * IMAP's SEARCH does; deleting goes to Trash, and "Empty Trash" asks first. The same page in German.
 * Screenshots go to $SEALPOST_SCREENSHOTS when it is set.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Locator, Page } from "playwright-core";
import { eventually, python, startSealpost } from "./harness.ts";
import { launchChromium, newContext, signIn, shot } from "./support/browser.ts";
import { IMAP_LOGIN } from "./support/python-imap.ts";

const ALICE = "alice@example.test";
const BOB = "bob@example.test";
const PW = "correct horse battery";

const PY_IMAP = `${IMAP_LOGIN}import time
`;

/** 60 fillers, then the messages with something to show, each APPENDed in one session. */
const SETUP = `${PY_IMAP}
def msg(headers, body):
    return ("\\r\\n".join(headers) + "\\r\\n\\r\\n" + body + "\\r\\n").encode()
def add(flags, m):
    typ, _ = M.append("INBOX", flags, time.time(), m)
    assert typ == "OK", typ
for i in range(1, 61):
    add(None, msg(["From: Filler Bot <filler@example.test>", "To: alice@example.test", "Subject: Filler %02d" % i, "Date: Tue, 01 Dec 2026 09:00:00 +0000"], "nothing here"))
add(None, msg(["From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.de>", "To: alice@example.test", "Cc: carol@example.org",
               "Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgTcO8bmNoZW4=?=", "Date: Fri, 04 Dec 2026 10:00:00 +0000"], "Servus"))
add(None, msg(["From: Dana <dana@example.test>", "To: alice@example.test", "Subject: Invoice attached", "Date: Fri, 04 Dec 2026 11:00:00 +0000",
               "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="b1"'],
              "--b1\\r\\nContent-Type: text/plain\\r\\n\\r\\nSee the PDF.\\r\\n--b1\\r\\nContent-Type: application/pdf\\r\\n"
              "Content-Disposition: attachment; filename=invoice.pdf\\r\\nContent-Transfer-Encoding: base64\\r\\n\\r\\nJVBERi0xLjQK\\r\\n--b1--"))
add("\\\\Flagged", msg(["From: Erin <erin@example.test>", "To: alice@example.test", "Subject: Important flagged", "Date: Fri, 04 Dec 2026 12:00:00 +0000"], "please"))
add("\\\\Seen", msg(["From: Fay <fay@example.test>", "To: alice@example.test", "Subject: Already read", "Date: Fri, 04 Dec 2026 13:00:00 +0000"], "old news"))
add(None, msg(["From: Gus <gus@example.test>", "To: alice@example.test", "Subject: Vegetables", "Date: Fri, 04 Dec 2026 14:00:00 +0000"], "the zucchini are ripe"))
M.logout()
`;

/** What IMAP says: the folder's count and UID SEARCH's subjects for a key, as "N|subject,subject". */
function imapSearch(h: { ports: { imaps: number } }, box: string, key: string): { count: number; subjects: string[] } {
  const out = python(
    `${PY_IMAP}
typ, data = M.select(e["BOX"]); assert typ == "OK"
count = int(data[0])
typ, data = M.uid("SEARCH", "CHARSET", "UTF-8", *e["KEY"].split(" ")) if e["KEY"] else ("OK", [b""])
subjects = []
for uid in data[0].split():
    typ, d = M.uid("FETCH", uid, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    subjects.append(d[0][1].decode().strip().split(": ", 1)[1])
print(str(count) + "|" + ",".join(subjects))
M.logout()
`,
    { IMAPS: String(h.ports.imaps), USER: ALICE, PW, BOX: box, KEY: key },
  ).trim();
  const [count = "0", subjects = ""] = out.split("|");
  return { count: Number(count), subjects: subjects === "" ? [] : subjects.split(",") };
}

/** The list's subjects (the rows' headers), in order. */
async function subjects(page: Page): Promise<string[]> {
  return (await page.getByRole("table").getByRole("rowheader").allInnerTexts()).map((s) => s.trim());
}

function rowOf(page: Page, subject: string): Locator {
  return page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: subject, exact: true }) });
}

/** The computed font weight of an element, as the browser draws it (the test's types have no DOM). */
function fontWeight(l: Locator): Promise<string> {
  return l.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { fontWeight: string } }).getComputedStyle(el).fontWeight);
}

async function search(page: Page, q: string, field: string, labels = { q: "Search for", field: "Search in", button: "Search" }): Promise<void> {
  await page.getByLabel(labels.q, { exact: true }).fill(q);
  await page.getByLabel(labels.field, { exact: true }).selectOption({ label: field });
  await page.getByRole("search").getByRole("button", { name: labels.button }).click();
  await page.waitForLoadState("domcontentloaded");
}

test("in Chromium the list shows delivered and APPENDed messages newest first with their marks, pages, and finds what IMAP SEARCH finds", { timeout: 180_000 }, async () => {
  const browser = await launchChromium();
  const h = await startSealpost({ domains: [{ name: "example.test" }], users: [{ address: ALICE, password: PW }, { address: BOB, password: PW }] });
  try {
    python(SETUP, { IMAPS: String(h.ports.imaps), USER: ALICE, PW });
    // The newest: delivered over SMTP (MX, STARTTLS) from a sender elsewhere.
    python(`
import smtplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP("127.0.0.1", ${h.ports.mx}); s.starttls(context=ctx)
s.sendmail("hal@remote.test", ["${ALICE}"], b"From: Hal <hal@remote.test>\\r\\nTo: ${ALICE}\\r\\nSubject: Delivered by SMTP\\r\\nDate: Sat, 05 Dec 2026 08:00:00 +0000\\r\\n\\r\\nhi\\r\\n")
s.quit()
`);
    await eventually(() => (imapSearch(h, "INBOX", "").count === 66 ? true : undefined), 10_000, "the SMTP delivery");

    const base = `https://127.0.0.1:${h.ports.web}`;
    const page = await (await newContext(browser)).newPage();
    await signIn(page, base, ALICE, PW);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Mail" }).click();
    await page.getByRole("heading", { name: "INBOX", level: 1 }).waitFor();
    assert.equal(await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Mail" }).getAttribute("aria-current"), "page");
    await page.getByText("Page 1 of 2").waitFor();
    const first = await subjects(page);
    assert.equal(first.length, 50);
    assert.deepEqual(first.slice(0, 7), ["Delivered by SMTP", "Vegetables", "Already read", "Important flagged", "Invoice attached", "Grüße aus München", "Filler 60"]);

    // The marks: decoded sender with its address on hover, attachment, flagged, read and unread.
    const juergen = rowOf(page, "Grüße aus München");
    assert.equal(await juergen.getByRole("cell", { name: "Jürgen Müller" }).locator("span").getAttribute("title"), "juergen@example.de");
    assert.match(await juergen.textContent() ?? "", /4 Dec 2026, 10:00/);
    assert.match(await juergen.textContent() ?? "", /Unread/);
    assert.match(await rowOf(page, "Invoice attached").textContent() ?? "", /Attachment/);
    assert.doesNotMatch(await juergen.textContent() ?? "", /Attachment/);
    assert.match(await rowOf(page, "Important flagged").textContent() ?? "", /Flagged/);
    const read = rowOf(page, "Already read");
    assert.doesNotMatch(await read.textContent() ?? "", /Unread/);
    assert.equal(await fontWeight(read.getByRole("rowheader")), "400");
    assert.equal(await fontWeight(juergen.getByRole("rowheader")), "700", "unread rows are bold");
    assert.equal(await page.getByRole("link", { name: "Grüße aus München" }).getAttribute("href"), await juergen.getByRole("link").getAttribute("href"));
    assert.match((await juergen.getByRole("link").getAttribute("href")) ?? "", /^\/mail\/f\/\d+\/61$/);
    await page.getByLabel("Select: Grüße aus München").waitFor();
    await shot(page, "webmail-list-en");

    // Page 2: the oldest 16, and back.
    await page.getByRole("link", { name: "Older", exact: true }).click();
    await page.getByText("Page 2 of 2").waitFor();
    const second = await subjects(page);
    assert.deepEqual(second, Array.from({ length: 16 }, (_, i) => `Filler ${String(16 - i).padStart(2, "0")}`));
    await page.getByRole("link", { name: "Newer", exact: true }).click();
    await page.getByText("Page 1 of 2").waitFor();

    // Search: each field finds its messages and only those, as IMAP's SEARCH does.
    await search(page, "juergen", "sender");
    await page.getByText("1 message matches “juergen”.").waitFor();
    assert.deepEqual(await subjects(page), ["Grüße aus München"]);
    await search(page, "carol@example.org", "recipients (To, Cc)");
    assert.deepEqual(await subjects(page), ["Grüße aus München"]);
    assert.deepEqual(imapSearch(h, "INBOX", "CC carol@example.org").subjects, ["=?UTF-8?B?R3LDvMOfZSBhdXMgTcO8bmNoZW4=?="]);
    await search(page, "münchen", "subject");
    assert.deepEqual(await subjects(page), ["Grüße aus München"]);
    await search(page, "zucchini", "message text");
    assert.deepEqual(await subjects(page), ["Vegetables"]);
    await shot(page, "webmail-search-en");
    assert.deepEqual(imapSearch(h, "INBOX", "BODY zucchini").subjects, ["Vegetables"]);
    await search(page, "zucchini", "sender");
    await page.getByText("No message matches “zucchini”.").waitFor();
    assert.equal(await page.getByRole("table").count(), 0);
    await search(page, "Filler 5", "everything");
    await page.getByText("10 messages match “Filler 5”.").waitFor();
    assert.deepEqual(await subjects(page), Array.from({ length: 10 }, (_, i) => `Filler ${59 - i}`));
    // Over 50 results page too, keeping the search.
    await search(page, "filler", "everything");
    await page.getByText("60 messages match “filler”.").waitFor();
    await page.getByRole("link", { name: "Older", exact: true }).click();
    await page.getByText("Page 2 of 2").waitFor();
    assert.deepEqual(await subjects(page), Array.from({ length: 10 }, (_, i) => `Filler ${String(10 - i).padStart(2, "0")}`));
    assert.equal(await page.getByLabel("Search for").inputValue(), "filler");
    await page.getByRole("link", { name: "Show all messages" }).click();
    await page.getByText("Page 1 of 2").waitFor();

    // A search string is bounded: a longer one is refused with a page, not an error.
    const long = await page.goto(`${base}${new URL(page.url()).pathname}?q=${"x".repeat(201)}`);
    assert.equal(long?.status(), 400);
    const missing = await page.goto(`${base}/mail/f/999999`);
    assert.equal(missing?.status(), 404);
    // Bob's INBOX, as Alice: as absent as a missing one.
    const bob = await (await newContext(browser)).newPage();
    await signIn(bob, base, BOB, PW);
    await bob.goto(`${base}/mail`);
    await bob.getByRole("heading", { name: "INBOX", level: 1 }).waitFor();
    const theirs = await page.goto(bob.url());
    assert.equal(theirs?.status(), 404);
    await page.goto(`${base}/mail`);

    // Nothing selected: the list says so. A "back" that would leave the site is not followed.
    await page.getByRole("main").locator('input[name="back"]').evaluate((el) => {
      (el as unknown as { value: string }).value = "/.//evil.example/x";
    });
    await page.getByRole("button", { name: "Mark read", exact: true }).click();
    await page.getByText("Select one or more messages first (the boxes at the start of each row).").waitFor();
    assert.equal(new URL(page.url()).host, `127.0.0.1:${h.ports.web}`);

    // Delete three from INBOX: they go to Trash. There, one is deleted for good after a question;
    // Empty Trash asks first too, then empties it.
    for (const s of ["Filler 60", "Filler 59", "Filler 58"]) await page.getByLabel(`Select: ${s}`).check();
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByText("3 messages moved to Trash.").waitFor();
    assert.equal(imapSearch(h, "Trash", "").count, 3);
    await page.getByRole("navigation", { name: "Folders" }).getByRole("link", { name: /^Trash/ }).click();
    await page.getByRole("heading", { name: "Trash", level: 1 }).waitFor();
    assert.deepEqual(await subjects(page), ["Filler 60", "Filler 59", "Filler 58"]);
    await page.getByLabel("Select: Filler 58").check();
    await page.getByRole("button", { name: "Delete for good" }).click();
    await page.getByText("1 message will be deleted for good, on every device. It cannot be brought back.").waitFor();
    await page.getByRole("button", { name: "Delete the message for good" }).click();
    await page.getByText("1 message deleted for good.").waitFor();
    assert.deepEqual(imapSearch(h, "Trash", "").count, 2);
    assert.deepEqual(await subjects(page), ["Filler 60", "Filler 59"]);
    await shot(page, "webmail-trash-en");
    await page.getByRole("button", { name: "Empty Trash" }).click();
    await page.getByText("Trash holds 2 messages. Emptying it deletes them for good, on every device; this cannot be undone.").waitFor();
    await shot(page, "webmail-empty-trash-en");
    await page.getByRole("button", { name: "Empty Trash: delete 2 messages" }).click();
    await page.getByText("2 messages deleted for good; the folder is empty.").waitFor();
    await page.getByText("This folder is empty.").waitFor();
    assert.equal(imapSearch(h, "Trash", "").count, 0);

    // The same list in German.
    const de = await (await newContext(browser, "de-DE")).newPage();
    await signIn(de, base, ALICE, PW, { address: "E-Mail-Adresse", password: "Passwort", submit: "Anmelden" });
    await de.getByRole("navigation", { name: "Hauptmenü" }).getByRole("link", { name: "E-Mail" }).click();
    await de.getByRole("heading", { name: "Posteingang", level: 1 }).waitFor();
    // The folders every account starts with, in German (IMAP keeps their stored names).
    assert.deepEqual(
      (await de.getByRole("navigation", { name: "Ordner" }).getByRole("listitem").allInnerTexts()).map((x) => x.replace(/\s*\d+$/, "").trim()),
      ["Posteingang", "Entwürfe", "Gesendet", "Archiv", "Spam", "Papierkorb"],
    );
    await de.getByText("Seite 1 von 2").waitFor();
    await de.getByRole("columnheader", { name: "Betreff" }).waitFor();
    const juergenDe = rowOf(de, "Grüße aus München");
    assert.match(await juergenDe.textContent() ?? "", /04\.12\.2026, 10:00/);
    assert.match(await juergenDe.textContent() ?? "", /Ungelesen/);
    assert.match(await rowOf(de, "Invoice attached").textContent() ?? "", /Anhang/);
    await shot(de, "webmail-list-de");
    await search(de, "zucchini", "Nachrichtentext", { q: "Suchen nach", field: "Suchen in", button: "Suchen" });
    await de.getByText("1 Nachricht passt zu „zucchini“.").waitFor();
    assert.deepEqual(await subjects(de), ["Vegetables"]);
    await shot(de, "webmail-search-de");
    await de.getByLabel("Auswählen: Vegetables").check();
    await de.getByRole("button", { name: "Löschen", exact: true }).click();
    await de.getByText("1 Nachricht nach Papierkorb verschoben.").waitFor();
    await de.getByRole("navigation", { name: "Ordner" }).getByRole("link", { name: /^Papierkorb/ }).click();
    await de.getByRole("button", { name: "Papierkorb leeren" }).waitFor();
    await shot(de, "webmail-trash-de");
    await de.getByRole("button", { name: "Papierkorb leeren" }).click();
    await de.getByText("Im Ordner Papierkorb liegt 1 Nachricht.", { exact: false }).waitFor();
    await shot(de, "webmail-empty-trash-de");
  } finally {
    await browser.close();
    await h.cleanup();
  }
});
