/**
 * Mailbox management commands: CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE and STATUS
 * (RFC 9051 §6.3.4–§6.3.8, §6.3.11; RFC 3501 §6.3.3–§6.3.7, §6.3.10). LIST and LSUB are in
 * list.ts. The store decides and explains refusals (src/store/mailbox-admin.ts, MailboxAdminError);
 * the session's error table (../error-table.ts) makes them `NO [code]` responses.
 */
import {
  createMailbox, deleteMailbox, getMailbox, mailboxStatus, renameMailbox, setSubscribed,
  type MailboxStatus,
} from "../../store/index.ts";
import type { ImapApi, ImapCommand } from "../command.ts";
import { bad, no, ResponseCode } from "../errors.ts";
import type { ArgParser } from "../parser/index.ts";
import { formatMailbox, onlyMailboxArg, readMailbox } from "./util.ts";
import { useCondstore } from "./condstore.ts";

/** The logged-in account (the command tables only allow these commands after login). */
export function accountId(s: ImapApi): number {
  if (s.account === null) throw no("Not logged in.");
  return s.account.id;
}

/**
 * STATUS data items (RFC 9051 §6.3.11, RFC 3501 §6.3.10): RECENT counts the messages no read-write
 * SELECT has claimed yet (STATUS claims none, as on Dovecot), SIZE is RFC 8438's, DELETED IMAP4rev2's,
 * APPENDLIMIT RFC 7889's (§4: the same limit for every mailbox, the one CAPABILITY names),
 * HIGHESTMODSEQ RFC 7162 §3.1.6's.
 */
const STATUS_ITEMS = ["MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "SIZE", "DELETED", "APPENDLIMIT", "HIGHESTMODSEQ"] as const;
export type StatusItem = (typeof STATUS_ITEMS)[number];

/**
 * "(" status-att *(SP status-att) ")"; unknown items are BAD — RECENT too once IMAP4rev2 is enabled
 * (RFC 9051 §9 status-att has no RECENT; Appendix E). Duplicates are reported once.
 */
export function readStatusItems(s: ImapApi, a: ArgParser): StatusItem[] {
  const items = a.list((p) => {
    const item = p.keyword("STATUS item");
    if (!(STATUS_ITEMS as readonly string[]).includes(item)) throw bad("Unknown STATUS item.");
    if (item === "RECENT" && s.rev2) throw bad("RECENT is not a STATUS item in IMAP4rev2.");
    return item as StatusItem;
  });
  return [...new Set(items)];
}

function statusValue(s: ImapApi, st: MailboxStatus, item: StatusItem): number {
  switch (item) {
    case "APPENDLIMIT":
      return s.appendLimit;
    case "MESSAGES":
      return st.messages;
    case "RECENT":
      return st.recent;
    case "UIDNEXT":
      return st.uidnext;
    case "UIDVALIDITY":
      return st.uidvalidity;
    case "UNSEEN":
      return st.unseen;
    case "SIZE":
      return st.size;
    case "DELETED":
      return st.deleted;
    case "HIGHESTMODSEQ":
      return st.highestModseq;
  }
}

/** The untagged STATUS response text (RFC 9051 §7.3.2), without "* ". */
export function formatStatus(s: ImapApi, name: string, st: MailboxStatus, items: readonly StatusItem[]): string {
  return `STATUS ${formatMailbox(s, name)} (${items.map((i) => `${i} ${statusValue(s, st, i)}`).join(" ")})`;
}

export const CREATE: ImapCommand = {
  name: "CREATE",
  states: ["authenticated", "selected"],
  async handle(s, cmd) {
    const name = onlyMailboxArg(s, cmd.args);
    await createMailbox(s.store, accountId(s), name);
    return { text: "CREATE completed." };
  },
};

export const DELETE: ImapCommand = {
  name: "DELETE",
  states: ["authenticated", "selected"],
  async handle(s, cmd) {
    const name = onlyMailboxArg(s, cmd.args);
    // Deleting the selected mailbox is allowed: this session (like any other that has it
    // selected) is told that every message was expunged before the tagged OK.
    await deleteMailbox(s.store, accountId(s), name);
    return { text: "DELETE completed." };
  },
};

export const RENAME: ImapCommand = {
  name: "RENAME",
  states: ["authenticated", "selected"],
  async handle(s, cmd) {
    const a = cmd.args;
    a.sp();
    const from = readMailbox(s, a);
    a.sp();
    const to = readMailbox(s, a);
    a.end();
    await renameMailbox(s.store, accountId(s), from, to);
    return { text: "RENAME completed." };
  },
};

function subscribeCommand(name: "SUBSCRIBE" | "UNSUBSCRIBE", subscribed: boolean): ImapCommand {
  return {
    name,
    states: ["authenticated", "selected"],
    async handle(s, cmd) {
      const mailbox = onlyMailboxArg(s, cmd.args);
      await setSubscribed(s.store, accountId(s), mailbox, subscribed);
      return { text: `${name} completed.` };
    },
  };
}

export const SUBSCRIBE = subscribeCommand("SUBSCRIBE", true);
export const UNSUBSCRIBE = subscribeCommand("UNSUBSCRIBE", false);

export const STATUS: ImapCommand = {
  name: "STATUS",
  states: ["authenticated", "selected"],
  async handle(s, cmd) {
    const a = cmd.args;
    a.sp();
    const name = readMailbox(s, a);
    a.sp();
    const items = readStatusItems(s, a);
    a.end();
    // RFC 7162 §3.1: STATUS (HIGHESTMODSEQ) is a CONDSTORE-enabling command.
    if (items.includes("HIGHESTMODSEQ")) await useCondstore(s);
    // RFC 9051 §6.3.11: allowed on the selected mailbox too; the counts come from the store.
    const mailbox = await getMailbox(s.store.db, accountId(s), name);
    const st = mailbox === undefined ? undefined : await mailboxStatus(s.store.db, mailbox.id, { recent: items.includes("RECENT") });
    if (st === undefined) throw no("Mailbox does not exist.", ResponseCode.NONEXISTENT);
    s.untagged(formatStatus(s, name, st, items));
    return { text: "STATUS completed." };
  },
};
