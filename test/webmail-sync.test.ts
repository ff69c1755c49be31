/**
 * Issue 14, done when: "An IMAP client (imapflow) and the webmail see each other's flag changes,
 * moves and deletions." imapflow holds an IDLE on INBOX while a person in Chromium marks a message
 * read, flags one, moves one and deletes one on the list: each change reaches imapflow while it
 * idles (its `flags`, `expunge` and `exists` events), with no new SELECT. Then imapflow sets flags,
 * moves and deletes, and the webmail's next page load shows each change.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ImapFlow } from "imapflow";
import type { Locator, Page } from "playwright-core";
import { eventually, startSealpost } from "./harness.ts";
import { launchChromium, newContext, signIn, shot } from "./support/browser.ts";

const ALICE = "alice@example.test";
const PW = "correct horse battery";

type FlowEvent =
  | { kind: "flags"; seq: number; flags: Set<string> }
  | { kind: "expunge"; seq: number }
  | { kind: "exists"; count: number };

/** The first event (from `since` on) that `match` accepts, waiting for it up to 5 s. */
async function seen(events: FlowEvent[], since: number, match: (e: FlowEvent) => boolean, what: string): Promise<FlowEvent> {
  return eventually(() => events.slice(since).find(match), 5000, what);
}

function rowOf(page: Page, subject: string): Locator {
  return page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: subject, exact: true }) });
}

async function subjects(page: Page): Promise<string[]> {
  if ((await page.getByRole("table").count()) === 0) return [];
  return (await page.getByRole("table").getByRole("rowheader").allInnerTexts()).map((s) => s.trim());
}

/** Selects the rows of `subjects` and presses a toolbar button (with a folder to move to). */
async function act(page: Page, selected: string[], button: string, moveTo?: string): Promise<void> {
  for (const s of selected) await page.getByLabel(`Select: ${s}`, { exact: true }).check();
  if (moveTo !== undefined) await page.getByLabel("Move to", { exact: true }).selectOption({ label: moveTo });
  await page.getByRole("button", { name: button, exact: true }).click();
  await page.waitForLoadState("domcontentloaded");
}

test("imapflow idling on INBOX sees the webmail's flag changes, moves and deletions at once; the webmail shows imapflow's on the next load", { timeout: 180_000 }, async () => {
  const browser = await launchChromium();
  const h = await startSealpost({ domains: [{ name: "example.test" }], users: [{ address: ALICE, password: PW }] });
  const flow = new ImapFlow({ host: "127.0.0.1", port: h.ports.imaps, secure: true, tls: { rejectUnauthorized: false }, auth: { user: ALICE, pass: PW }, logger: false });
  try {
    await flow.connect();
    for (const s of ["Sync one", "Sync two", "Sync three"]) {
      await flow.append("INBOX", `From: Ann <ann@example.test>\r\nTo: ${ALICE}\r\nSubject: ${s}\r\n\r\n${s}\r\n`);
    }
    const events: FlowEvent[] = [];
    flow.on("flags", (d: { seq: number; flags: Set<string> }) => events.push({ kind: "flags", seq: d.seq, flags: d.flags }));
    flow.on("expunge", (d: { seq: number }) => events.push({ kind: "expunge", seq: d.seq }));
    flow.on("exists", (d: { count: number }) => events.push({ kind: "exists", count: d.count }));
    let selects = 0;
    flow.on("mailboxOpen", () => selects++);
    await flow.mailboxOpen("INBOX");
    assert.equal(selects, 1);
    // One IDLE for the whole first half: nothing else is sent to the server until it ends.
    const idling = flow.idle();

    const base = `https://127.0.0.1:${h.ports.web}`;
    const page = await (await newContext(browser)).newPage();
    await signIn(page, base, ALICE, PW);
    await page.goto(`${base}/mail`);
    await page.getByRole("heading", { name: "INBOX", level: 1 }).waitFor();
    assert.deepEqual(await subjects(page), ["Sync three", "Sync two", "Sync one"]);

    // Mark read: FETCH FLAGS (\Seen) for message 1.
    let mark = events.length;
    await act(page, ["Sync one"], "Mark read");
    await page.getByText("1 message marked as read.").waitFor();
    await seen(events, mark, (e) => e.kind === "flags" && e.seq === 1 && e.flags.has("\\Seen"), "imapflow's flags event for \\Seen");
    assert.doesNotMatch((await rowOf(page, "Sync one").textContent()) ?? "", /Unread/);

    // Flag: FETCH FLAGS (\Flagged) for message 2.
    mark = events.length;
    await act(page, ["Sync two"], "Flag");
    await page.getByText("1 message flagged.").waitFor();
    await seen(events, mark, (e) => e.kind === "flags" && e.seq === 2 && e.flags.has("\\Flagged"), "imapflow's flags event for \\Flagged");
    await shot(page, "webmail-sync-en");

    // Move to Archive: EXPUNGE of message 3 (RFC 6851 §3.3).
    mark = events.length;
    await act(page, ["Sync three"], "Move", "Archive");
    await page.getByText("1 message moved to Archive.").waitFor();
    await seen(events, mark, (e) => e.kind === "expunge" && e.seq === 3, "imapflow's expunge event for the move");

    // Delete: to Trash, an EXPUNGE of message 2.
    mark = events.length;
    await act(page, ["Sync two"], "Delete");
    await page.getByText("1 message moved to Trash.").waitFor();
    await seen(events, mark, (e) => e.kind === "expunge" && e.seq === 2, "imapflow's expunge event for the delete");
    assert.deepEqual(await subjects(page), ["Sync one"]);

    // Moved back from Archive: EXISTS 2 in INBOX.
    mark = events.length;
    await page.getByRole("navigation", { name: "Folders" }).getByRole("link", { name: /^Archive/ }).click();
    await page.getByRole("heading", { name: "Archive", level: 1 }).waitFor();
    await act(page, ["Sync three"], "Move", "INBOX");
    await page.getByText("1 message moved to INBOX.").waitFor();
    await seen(events, mark, (e) => e.kind === "exists" && e.count === 2, "imapflow's exists event");
    assert.equal(selects, 1, "no new SELECT: every change came while idling");
    assert.equal(flow.idling, true, "still in the same IDLE");

    // Now the other way: imapflow changes, the webmail's next page load shows it.
    const found = await flow.search({ all: true }, { uid: true });
    assert.ok(Array.isArray(found));
    const [one, three] = found;
    assert.ok(one !== undefined && three !== undefined);
    await idling;
    await flow.messageFlagsAdd(String(one), ["\\Flagged"], { uid: true });
    await flow.messageFlagsRemove(String(one), ["\\Seen"], { uid: true });
    await page.goto(`${base}/mail`);
    const rowOne = await rowOf(page, "Sync one").textContent();
    assert.match(rowOne ?? "", /Flagged/);
    assert.match(rowOne ?? "", /Unread/);

    await flow.messageMove(String(three), "Archive", { uid: true });
    await page.reload();
    assert.deepEqual(await subjects(page), ["Sync one"]);
    await page.getByRole("navigation", { name: "Folders" }).getByRole("link", { name: /^Archive/ }).click();
    await page.getByRole("heading", { name: "Archive", level: 1 }).waitFor();
    assert.deepEqual(await subjects(page), ["Sync three"]);

    await flow.messageDelete(String(one), { uid: true });
    await page.goto(`${base}/mail`);
    assert.deepEqual(await subjects(page), []);
    await page.getByText("This folder is empty.").waitFor();

    // The webmail's Trash holds what it deleted, and imapflow sees the same.
    const trash = await flow.status("Trash", { messages: true });
    assert.equal(trash === false ? -1 : trash.messages, 1);
    await page.getByRole("navigation", { name: "Folders" }).getByRole("link", { name: /^Trash/ }).click();
    assert.deepEqual(await subjects(page), ["Sync two"]);
  } finally {
    await flow.logout().catch(() => undefined);
    await browser.close();
    await h.cleanup();
  }
});
