/**
 * Reading a message in the webmail (issue 14) in Chromium, with IMAP (Python's imaplib) beside it: a
 * multipart/mixed message (multipart/alternative text and HTML, the HTML with an inline cid: image,
 * a binary PDF attachment with a German RFC 2231 file name) is APPENDed; the user opens it by its
 * address, reads the decoded headers, sees the HTML in its frame with the picture, switches to the
 * plain text, downloads the attachment (the bytes equal the original, the headers make it safe) and
 * IMAP sees it \Seen. Another account's message, a missing one and a missing part are 404. The same
 * page in German. Screenshots go to $SEALPOST_SCREENSHOTS when it is set.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startSealpost } from "./harness.ts";
import { launchChromium, newContext, signIn, shot } from "./support/browser.ts";
import { crlf, folderId, imapAppend } from "./support/mail-read.ts";

const ALICE = "alice@example.test";
const BOB = "bob@example.test";
const PW = "correct horse battery";
/** A 1x1 PNG. */
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
/** Every byte value, after a PDF's first line: what a download must give back unchanged. */
const PDF = Buffer.concat([Buffer.from("%PDF-1.4\n"), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31 + 7) % 256))]);

const MESSAGE = crlf(`From: =?utf-8?q?B=C3=B6rge_Str=C3=B6m?= <bob@example.test>
To: Alice <alice@example.test>
Cc: carol@example.test
Subject: =?utf-8?q?Quartalsbericht_f=C3=BCr_M=C3=A4rz?=
Date: Tue, 03 Mar 2026 10:00:00 +0000
Message-ID: <q1@example.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed"

--mixed
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Hallo Alice,

der Bericht f=FCr M=E4rz ist angeh=E4ngt. Details: https://example.test/bericht?id=3D1

Gr=FC=DFe, B=F6rge
--alt
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: base64

${Buffer.from('<html><body><h1 style="color:#0a3069">Quartalsbericht</h1><p>Hallo Alice, der <b>Bericht für März</b> ist angehängt.</p><p><img src="cid:logo@example.test" alt="Logo" width="40" height="40"></p><p><a href="https://example.test/bericht">Online lesen</a></p></body></html>').toString("base64")}
--rel
Content-Type: image/png
Content-ID: <logo@example.test>
Content-Transfer-Encoding: base64

${PNG}
--rel--
--alt--
--mixed
Content-Type: application/pdf; name="bericht.pdf"
Content-Disposition: attachment; filename*=utf-8''Pr%C3%BCfbericht%20M%C3%A4rz.pdf
Content-Transfer-Encoding: base64

${PDF.toString("base64").replace(/(.{76})/g, "$1\n")}
--mixed--
`);

test("in Chromium a user opens a multipart message: headers, the HTML in its frame with its inline picture, the plain text, the attachment's bytes; IMAP sees it \\Seen", { timeout: 180_000 }, async () => {
  const h = await startSealpost({ domains: [{ name: "example.test" }], users: [{ address: ALICE, password: PW }, { address: BOB, password: PW }] });
  const browser = await launchChromium().catch(async (e: unknown) => {
    await h.cleanup();
    throw e;
  });
  try {
    const seen = (user: string): boolean[] => imapAppend(h.ports, user, PW).map((l) => l.includes("\\Seen"));
    assert.equal(imapAppend(h.ports, ALICE, PW, [MESSAGE]).length, 1);
    assert.deepEqual(seen(ALICE), [false]);
    imapAppend(h.ports, BOB, PW, [crlf("From: x@example.test\nSubject: only for Bob\n\nsecret\n")]);
    const base = `https://127.0.0.1:${h.ports.web}`;
    const page = await (await newContext(browser)).newPage();
    await signIn(page, base, ALICE, PW);
    const inbox = await folderId(h.dataDir, ALICE, "INBOX");
    const url = `${base}/mail/f/${inbox}/1`;
    await page.goto(url);

    await page.getByRole("heading", { level: 1, name: "Quartalsbericht für März" }).waitFor();
    const headers = (await page.locator("dl.mail-headers").innerText()).replace(/\s+/g, " ");
    assert.match(headers, /From Börge Ström <bob@example\.test>/);
    assert.match(headers, /To Alice <alice@example\.test>/);
    assert.match(headers, /Cc carol@example\.test/);
    assert.match(headers, /Date 3 Mar 2026, 10:00 UTC/);

    // The HTML, sanitised, in its sandboxed frame; the inline picture shown from the message itself.
    const frame = page.frameLocator("iframe[title=\"The message's content\"]");
    await frame.getByRole("heading", { name: "Quartalsbericht" }).waitFor();
    await frame.getByText("Bericht für März").waitFor();
    assert.equal(await frame.getByRole("img", { name: "Logo" }).evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).complete && (img as unknown as { naturalWidth: number }).naturalWidth), 1, "the cid: picture loads");
    assert.equal(await frame.getByRole("link", { name: "Online lesen" }).getAttribute("target"), "_blank");
    assert.equal(await page.locator("iframe.mail-frame").getAttribute("sandbox"), "allow-popups allow-popups-to-escape-sandbox");
    assert.equal(await page.getByRole("link", { name: "Load remote content" }).count(), 0, "nothing remote in this message");
    const body = await page.request.get(`${base}/mail/f/${inbox}/1/body`);
    assert.match(body.headers()["content-security-policy"] ?? "", /default-src 'none'.*img-src data:;.*sandbox allow-popups/);
    assert.equal(body.headers()["x-content-type-options"], "nosniff");

    // What to do with it: answers through compose, changes through the folder's actions endpoint.
    assert.equal(await page.getByRole("link", { name: "Reply", exact: true }).getAttribute("href"), `/mail/compose?reply=${inbox}.1&mode=reply`);
    assert.equal(await page.getByRole("link", { name: "Reply to all" }).getAttribute("href"), `/mail/compose?reply=${inbox}.1&mode=all`);
    assert.equal(await page.getByRole("link", { name: "Forward" }).getAttribute("href"), `/mail/compose?reply=${inbox}.1&mode=forward`);
    for (const name of ["Mark unread", "Flag", "Move", "Delete"]) {
      const form = page.locator("form", { has: page.getByRole("button", { name, exact: true }) });
      assert.equal(await form.getAttribute("action"), `/mail/f/${inbox}/actions`, name);
      assert.equal(await form.locator('input[name="uid"]').getAttribute("value"), "1");
    }
    assert.ok((await page.getByLabel("Move to").locator("option").allInnerTexts()).includes("Trash"));
    await shot(page, "webmail-read-html-en");

    // The attachment: listed with its decoded name; downloaded, the bytes are the original's.
    const link = page.getByRole("link", { name: "Download Prüfbericht März.pdf" });
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    assert.equal(download.suggestedFilename(), "Prüfbericht März.pdf");
    assert.deepEqual(readFileSync(await download.path()), PDF);
    const part = await page.request.get(`${base}${await link.getAttribute("href")}`);
    assert.equal(part.headers()["content-type"], "application/octet-stream", "a PDF is not shown by the browser");
    assert.equal(part.headers()["content-disposition"], `attachment; filename="Pr_fbericht M_rz.pdf"; filename*=UTF-8''Pr%C3%BCfbericht%20M%C3%A4rz.pdf`);
    assert.equal(part.headers()["x-content-type-options"], "nosniff");
    assert.equal(part.headers()["content-security-policy"], "default-src 'none'; sandbox");

    // The plain text, charset and quoted-printable undone, its address a link.
    await page.getByRole("link", { name: "Show as plain text" }).click();
    await page.locator("pre.mail-text").getByText("der Bericht für März ist angehängt.").waitFor();
    assert.equal(await page.locator("pre.mail-text").getByRole("link", { name: "https://example.test/bericht?id=1" }).getAttribute("rel"), "noopener noreferrer nofollow");
    await shot(page, "webmail-read-text-en");
    await page.getByRole("link", { name: "Show as formatted message" }).waitFor();

    // Opened means read, for IMAP too.
    assert.deepEqual(seen(ALICE), [true]);

    // Another account's message, a missing one, a missing part: all the same 404.
    const bobPage = await (await newContext(browser)).newPage();
    await signIn(bobPage, base, BOB, PW);
    const bobInbox = await folderId(h.dataDir, BOB, "INBOX");
    for (const path of [`/mail/f/${bobInbox}/1`, `/mail/f/${bobInbox}/1/body`, `/mail/f/${bobInbox}/1/part/1`, `/mail/f/${inbox}/2`, `/mail/f/${inbox}/1/part/9`, `/mail/f/${inbox}/1/part/1`, `/mail/f/${inbox}/1/part/0`, `/mail/f/${inbox}/x`, `/mail/f/999999/1`]) {
      const r = await page.request.get(`${base}${path}`);
      assert.equal(r.status(), 404, path);
    }
    assert.deepEqual(seen(BOB), [false], "Bob's message stays unread");

    // The same page in German.
    const de = await (await newContext(browser, "de-DE")).newPage();
    await signIn(de, base, ALICE, PW, { address: "E-Mail-Adresse", password: "Passwort", submit: "Anmelden" });
    await de.goto(url);
    await de.getByRole("heading", { level: 1, name: "Quartalsbericht für März" }).waitFor();
    for (const name of ["Antworten", "Allen antworten", "Weiterleiten", "Als reinen Text anzeigen", "Prüfbericht März.pdf herunterladen", "Zurück zu Posteingang"]) await de.getByRole("link", { name, exact: true }).waitFor();
    for (const name of ["Als ungelesen markieren", "Markieren", "Verschieben", "Löschen"]) await de.getByRole("button", { name, exact: true }).waitFor();
    await de.getByRole("heading", { name: "Anhänge" }).waitFor();
    assert.match((await de.locator("dl.mail-headers").innerText()).replace(/\s+/g, " "), /Von Börge Ström <bob@example\.test>/);
    await de.frameLocator("iframe.mail-frame").getByText("Bericht für März").waitFor();
    await shot(de, "webmail-read-html-de");
    await de.getByRole("link", { name: "Als reinen Text anzeigen" }).click();
    await de.locator("pre.mail-text").waitFor();
    await shot(de, "webmail-read-text-de");
  } finally {
    await browser.close();
    await h.cleanup();
  }
});
