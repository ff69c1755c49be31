/**
 * The webmail's folders (issue 14) in Chromium, with an IMAP client (Python's imaplib) beside it:
 * unread and total counts as IMAP left them; create (with a superior level), rename and delete as
 * IMAP sees them at once; the refusals (a name that exists, a folder with folders in it); deleting a
 * folder with a message in it asks first. The same page in German. Screenshots go to
 * $SEALPOST_SCREENSHOTS when it is set.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { python, startSealpost } from "./harness.ts";
import { launchChromium, newContext, signIn, shot } from "./support/browser.ts";
import { IMAP_LOGIN } from "./support/python-imap.ts";

const ALICE = "alice@example.test";
const PW = "correct horse battery";

/** IMAP as a mail program does it: APPEND with flags, LIST; prints the folder names, one per line. */
const IMAP = `${IMAP_LOGIN}import time
for spec in filter(None, e.get("APPEND", "").split(";")):
    box, flags = spec.split(":")
    msg = b"From: bob@example.test\\r\\nTo: alice@example.test\\r\\nSubject: hello\\r\\n\\r\\nhi\\r\\n"
    typ, _ = M.append(box, flags or None, time.time(), msg)
    assert typ == "OK", typ
typ, data = M.list()
assert typ == "OK"
for line in data:
    print(line.decode().rsplit(' "/" ', 1)[1].strip('"'))
M.logout()
`;

function imap(h: { ports: { imaps: number } }, append = ""): string[] {
  return python(IMAP, { IMAPS: String(h.ports.imaps), USER: ALICE, PW, APPEND: append }).trim().split("\n").sort();
}

/** The folder table's row for `name`: its cells' text. */
async function row(page: Page, name: string): Promise<string[]> {
  const r = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name, exact: true }) });
  return (await r.getByRole("cell").allInnerTexts()).map((c) => c.trim());
}

async function create(page: Page, name: string): Promise<void> {
  await page.getByLabel("Folder name").fill(name);
  await page.getByRole("button", { name: "Create folder" }).click();
  await page.waitForLoadState("domcontentloaded");
}

test("in Chromium a user sees their folders with unread counts, creates, renames and deletes folders, and IMAP sees each change", { timeout: 120_000 }, async () => {
  const h = await startSealpost({ domains: [{ name: "example.test" }], users: [{ address: ALICE, password: PW }] });
  const browser = await launchChromium();
  try {
    // Two messages in INBOX, one of them read.
    assert.deepEqual(imap(h, "INBOX:;INBOX:\\Seen"), ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"]);
    const base = `https://127.0.0.1:${h.ports.web}`;
    const page = await (await newContext(browser)).newPage();
    await signIn(page, base, ALICE, PW);
    await page.getByRole("navigation").getByRole("link", { name: "Mail" }).click();
    await page.getByRole("link", { name: "Manage folders" }).click();
    await page.getByRole("heading", { name: "Folders", level: 1, exact: true }).waitFor();
    assert.deepEqual((await row(page, "INBOX")).slice(0, 2), ["1", "2"], "unread, messages");
    assert.deepEqual((await row(page, "Trash")).slice(0, 2), ["0", "0"]);
    assert.equal(await page.getByRole("button", { name: "Delete the folder INBOX" }).count(), 0, "INBOX cannot be deleted");

    await create(page, "Projects/2027");
    await page.getByText("The folder Projects/2027 was created.").waitFor();
    assert.ok(imap(h).includes("Projects/2027"));
    assert.ok(imap(h).includes("Projects"), "the superior level is made too");

    await create(page, "Projects/2027");
    await page.getByText("A folder with this name exists already.").waitFor();

    await page.getByLabel("New name for Projects/2027").fill("Projects/2028");
    await page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "Projects/2027", exact: true }) }).getByRole("button", { name: "Rename" }).click();
    await page.getByText("The folder is now called Projects/2028.").waitFor();
    const names = imap(h, "Projects/2028:");
    assert.ok(names.includes("Projects/2028") && !names.includes("Projects/2027"), names.join(","));

    await page.getByRole("button", { name: "Delete the folder Projects", exact: true }).click();
    await page.getByText("This folder holds other folders: delete or move those first.").waitFor();

    // A folder with a message: asked first, then deleted with it.
    await page.reload();
    assert.deepEqual((await row(page, "Projects/2028")).slice(0, 2), ["1", "1"]);
    await shot(page, "webmail-folders-en");
    await page.getByRole("button", { name: "Delete the folder Projects/2028" }).click();
    await page.getByText("The folder Projects/2028 holds 1 message. It is deleted with the folder, on every device; this cannot be undone.").waitFor();
    await shot(page, "webmail-folder-delete-en");
    await page.getByRole("button", { name: "Delete the folder and its message" }).click();
    await page.getByText("The folder Projects/2028 was deleted.").waitFor();
    assert.equal(imap(h).includes("Projects/2028"), false);

    // The same page in German.
    const de = await (await newContext(browser, "de-DE")).newPage();
    await signIn(de, base, ALICE, PW, { address: "E-Mail-Adresse", password: "Passwort", submit: "Anmelden" });
    await de.getByRole("navigation").getByRole("link", { name: "E-Mail" }).click();
    await de.getByRole("link", { name: "Ordner verwalten" }).click();
    await de.getByRole("heading", { name: "Ordner", level: 1, exact: true }).waitFor();
    await de.getByLabel("Name des Ordners").fill("Rechnungen");
    await de.getByRole("button", { name: "Ordner anlegen" }).click();
    await de.getByText("Der Ordner Rechnungen wurde angelegt.").waitFor();
    assert.ok(imap(h, "Rechnungen:").includes("Rechnungen"));
    await de.reload();
    await shot(de, "webmail-folders-de");
    await de.getByRole("button", { name: "Ordner Rechnungen löschen" }).click();
    await de.getByText("Im Ordner Rechnungen liegt 1 Nachricht.", { exact: false }).waitFor();
    await shot(de, "webmail-folder-delete-de");
    await de.getByRole("button", { name: "Ordner und seine Nachricht löschen" }).click();
    await de.getByText("Der Ordner Rechnungen wurde gelöscht.").waitFor();
    assert.equal(imap(h).includes("Rechnungen"), false);
  } finally {
    await browser.close();
    await h.cleanup();
  }
});
