import { test } from "node:test";
import assert from "node:assert/strict";
import { folderLabel, inListOrder, MAIL, positiveInt } from "./mail-common.ts";
import { textFor } from "./i18n.ts";

test("the folders every account starts with are shown in the reader's language; a renamed or other folder by its own name", () => {
  const de = textFor("de");
  assert.equal(folderLabel(de, { name: "INBOX", specialUse: null }), "Posteingang");
  assert.equal(folderLabel(de, { name: "Sent", specialUse: "\\Sent" }), "Gesendet");
  assert.equal(folderLabel(de, { name: "Trash", specialUse: "\\Trash" }), "Papierkorb");
  // Renamed by its owner: the name they chose. A folder called "Sent" without the special use is just a folder.
  assert.equal(folderLabel(de, { name: "Gesendete Objekte", specialUse: "\\Sent" }), "Gesendete Objekte");
  assert.equal(folderLabel(de, { name: "Sent", specialUse: null }), "Sent");
  assert.equal(folderLabel(de, { name: "INBOX/Sent", specialUse: null }), "INBOX/Sent");
  assert.equal(folderLabel(textFor("en"), { name: "Junk", specialUse: "\\Junk" }), "Junk");
});

test("folders are listed as mail programs list them: INBOX, the special uses, then the others by name", () => {
  const boxes = [
    { name: "Archive", specialUse: "\\Archive" },
    { name: "Drafts", specialUse: "\\Drafts" },
    { name: "INBOX", specialUse: null },
    { name: "INBOX/Sub", specialUse: null },
    { name: "Junk", specialUse: "\\Junk" },
    { name: "Projects", specialUse: null },
    { name: "Gesendet", specialUse: "\\Sent" },
    { name: "Trash", specialUse: "\\Trash" },
    { name: "Alpha", specialUse: null },
  ];
  assert.deepEqual(inListOrder(boxes).map((b) => b.name), ["INBOX", "Drafts", "Gesendet", "Archive", "Junk", "Trash", "Alpha", "INBOX/Sub", "Projects"]);
});

test("ids in addresses are positive integers and nothing else; a folder's address carries its search and page", () => {
  assert.equal(positiveInt("12"), 12);
  for (const bad of ["0", "-1", "1e3", "012", " 1", "1.0", "99999999999999999", undefined, 5]) assert.equal(positiveInt(bad), null, String(bad));
  assert.equal(MAIL.folder(3), "/mail/f/3");
  assert.equal(MAIL.folder(3, { page: 1, q: "" }), "/mail/f/3");
  assert.equal(MAIL.folder(3, { page: 2, q: "a&b", field: "from" }), "/mail/f/3?q=a%26b&field=from&page=2");
});
