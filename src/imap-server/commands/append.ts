/**
 * APPEND (RFC 9051 §6.3.12, RFC 3501 §6.3.11) with UIDPLUS's APPENDUID (RFC 4315 §3):
 *
 *   append = "APPEND" SP mailbox [SP flag-list] [SP date-time] SP literal
 *
 * literal8 (`~{n}`, RFC 3516 §4.4 / RFC 9051 §6.3.12) is accepted, so messages may carry NULs, and
 * after ENABLE UTF8=ACCEPT the `UTF8 (~{n}…)` form of RFC 6855 §4.
 * The literal's size limit is the reader's (TOOBIG before the data is sent). The message is on
 * disk — blob fsynced, row committed — before the tagged OK; a missing target is NO [TRYCREATE],
 * a store without room (the free-space floor, a full disk) NO [OVERQUOTA].
 */
import { appendMessage, applyFlagOp, getMailbox } from "../../store/index.ts";
import type { ImapApi, ImapCommand } from "../command.ts";
import type { ArgParser } from "../parser/index.ts";
import { bad, no, ResponseCode } from "../errors.ts";
import { messageCache } from "../message-cache.ts";
import { readMailbox } from "./util.ts";

/**
 * append-data: a literal (or literal8), or once UTF8=ACCEPT is enabled `"UTF8" SP "(" literal8 ")"`
 * (RFC 6855 §4), a message whose header may hold UTF-8 (RFC 6532). Before ENABLE the UTF8 form is
 * not part of the syntax (BAD).
 */
function readMessage(s: ImapApi, a: ArgParser): Buffer {
  if (a.peekAtom() !== "UTF8") return a.literal({ binary: true }).data;
  if (!s.utf8) throw bad("APPEND UTF8 needs ENABLE UTF8=ACCEPT first.");
  a.atom();
  a.sp();
  a.expect("(");
  // The syntax names literal8; a plain literal carries the same bytes when they hold no NUL.
  const data = a.literal({ binary: true }).data;
  a.expect(")");
  return data;
}

export const APPEND: ImapCommand = {
  name: "APPEND",
  states: ["authenticated", "selected"],
  async handle(s, cmd) {
    if (cmd.uid) throw bad("UID APPEND is not a command.");
    const a = cmd.args;
    a.sp();
    const name = readMailbox(s, a);
    a.sp();
    let flags: string[] = [];
    if (a.peekIs("(")) {
      flags = a.flagList();
      a.sp();
    }
    let internalDate = Date.now();
    if (a.peekIs('"')) {
      internalDate = a.dateTime().date.getTime();
      a.sp();
    }
    const message = readMessage(s, a);
    a.end();
    // FlagLimitError, MailboxGoneError, StorageFullError: the session's error table answers them.
    const stored = applyFlagOp("", "set", flags);
    if (message.length === 0) throw no("Empty messages are not stored.", ResponseCode.CANNOT);
    const account = s.account;
    if (account === null) throw no("Not logged in.");
    const target = await getMailbox(s.store.db, account.id, name);
    if (target === undefined) throw no("Mailbox does not exist.", ResponseCode.TRYCREATE);
    const { uid, uidvalidity, blob } = await appendMessage(s.store, target.id, message, stored, internalDate);
    // Clients commonly fetch what they appended (its structure, to show it): from memory.
    messageCache(s.store).remember(blob, message);
    return { code: `APPENDUID ${uidvalidity} ${uid}`, text: "APPEND completed." };
  },
};
