/**
 * What the webmail reading tests share: messages put into a mailbox over IMAP (Python's imaplib
 * APPEND, as a mail program files a message), their flags read back the same way, and a folder's
 * id as the webmail's addresses name it.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { python } from "../harness.ts";
import { IMAP_LOGIN } from "./python-imap.ts";
import { openDataDir } from "./postgres.ts";

const IMAP = `${IMAP_LOGIN}import sys, time
for path in filter(None, e.get("FILES", "").split("\\n")):
    with open(path, "rb") as f:
        typ, data = M.append("INBOX", None, time.time(), f.read())
    assert typ == "OK", (typ, data)
M.select("INBOX", readonly=True)
typ, data = M.uid("FETCH", "1:*", "(FLAGS)")
assert typ == "OK", typ
for item in data:
    if item:
        print(item.decode())
M.logout()
`;

/** APPENDs each message to the user's INBOX (in order: UIDs 1, 2, …); returns every message's FETCH (UID n FLAGS (...)) line. */
export function imapAppend(ports: { imaps: number }, user: string, password: string, messages: readonly (string | Buffer)[] = []): string[] {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-mail-"));
  const files = messages.map((m, i) => {
    const path = join(dir, `${i}.eml`);
    writeFileSync(path, m);
    return path;
  });
  return python(IMAP, { IMAPS: String(ports.imaps), USER: user, PW: password, FILES: files.join("\n") }).trim().split("\n").filter((l) => l !== "");
}

/** The id of `address`'s folder `name`, as the webmail's addresses name it (`/mail/f/ID/UID`), read from the server's store while it runs. */
export async function folderId(dataDir: string, address: string, name: string): Promise<number> {
  const store = await openDataDir(dataDir);
  try {
    const row = await store.db
      .selectFrom("mailboxes as m")
      .innerJoin("accounts as a", "a.id", "m.account_id")
      .select("m.id")
      .where("a.address", "=", address)
      .where("m.name", "=", name)
      .executeTakeFirst();
    if (row === undefined) throw new Error(`no folder ${name} for ${address}`);
    return row.id;
  } finally {
    await store.close();
  }
}

/** CRLF line ends, as mail is written on the wire. */
export const crlf = (s: string): string => s.replace(/\r?\n/g, "\r\n");
