/**
 * Selecting a mailbox and leaving it (RFC 9051 §6.3.2, §6.3.3, §6.4.1, §6.4.2; RFC 3691 UNSELECT),
 * and the other authenticated-state basics: ENABLE (RFC 5161), NAMESPACE (RFC 2342), IDLE
 * (RFC 2177), CHECK (RFC 3501 §6.4.1).
 */
import { expungeMessages, getMailbox } from "../../store/index.ts";
import { DEFERRED, type ImapCommand } from "../command.ts";
import { bad, no, ResponseCode } from "../errors.ts";
import { flagSet, flagsResponses, readMailbox } from "./util.ts";
import { qresyncSelect, readSelectParams, useCondstore } from "./condstore.ts";
import { selectListResponse } from "./list.ts";

function selectCommand(name: "SELECT" | "EXAMINE", readOnly: boolean): ImapCommand {
  return {
    name,
    states: ["authenticated", "selected"],
    async handle(s, cmd) {
      const a = cmd.args;
      a.sp();
      const mailboxName = readMailbox(s, a);
      const params = readSelectParams(s, a);
      // RFC 7162 §3.2.11: [CLOSED] parts the old mailbox's responses from the new one's.
      if (s.selected !== null) s.untagged(`OK [${ResponseCode.CLOSED}] Previous mailbox closed.`);
      // RFC 9051 §6.3.2: a SELECT deselects the current mailbox first, even if it then fails.
      s.unselect();
      // RFC 7162 §3.1.8: SELECT (CONDSTORE) enables CONDSTORE (QRESYNC needed ENABLE QRESYNC).
      if (params.condstore) s.enable("CONDSTORE");
      const account = s.account;
      if (account === null) throw no("Not logged in.");
      const mailbox = await getMailbox(s.store.db, account.id, mailboxName);
      if (mailbox === undefined) throw no("Mailbox does not exist.", ResponseCode.NONEXISTENT);
      const view = await s.select(mailbox, readOnly);
      // RFC 9051 Appendix E: IMAP4rev2's SELECT has no UNSEEN response code (nor RECENT): not looked for.
      let firstUnseen = 0;
      for (let seq = 1; !s.rev2 && seq <= view.exists; seq++) {
        if (!flagSet(view.flagsAt(seq)).has("\\Seen")) {
          firstUnseen = seq;
          break;
        }
      }
      const lines = [
        `* ${view.exists} EXISTS`,
        // RFC 3501 §7.3.2: the messages this session claimed (SELECT) or sees unclaimed (EXAMINE).
        ...(s.rev2 ? [] : [`* ${view.recentCount} RECENT`]),
        // RFC 9051 §6.3.2: IMAP4rev2 answers with the mailbox's LIST response too.
        ...(s.rev2 ? [`* ${await selectListResponse(s, mailbox)}`] : []),
        ...(firstUnseen > 0 ? [`* OK [UNSEEN ${firstUnseen}] First unseen.`] : []),
        `* OK [UIDVALIDITY ${mailbox.uidvalidity}] UIDs valid.`,
        `* OK [UIDNEXT ${mailbox.uidnext}] Predicted next UID.`,
        // RFC 7162 §3.1.2.1: every mailbox here keeps modseqs, so every SELECT tells the highest.
        `* OK [${ResponseCode.HIGHESTMODSEQ} ${mailbox.highestModseq}] Highest.`,
      ];
      // RFC 3501 §7.1, §7.2.6: FLAGS and PERMANENTFLAGS name the keywords in use too.
      s.write(`${flagsResponses(view)}${lines.join("\r\n")}\r\n`);
      if (params.qresync !== null) await qresyncSelect(s, view, mailbox, params.qresync);
      return { code: readOnly ? ResponseCode.READ_ONLY : ResponseCode.READ_WRITE, text: `${name} completed.`, next: "selected" };
    },
  };
}

export const SELECT = selectCommand("SELECT", false);
export const EXAMINE = selectCommand("EXAMINE", true);

export const CLOSE: ImapCommand = {
  name: "CLOSE",
  states: ["selected"],
  async handle(s, cmd) {
    cmd.args.end();
    const view = s.selected;
    // RFC 9051 §6.4.1: remove \Deleted messages silently (not in a read-only mailbox), then deselect.
    if (view !== null && !view.readOnly) {
      const uids: number[] = [];
      for (let seq = 1; seq <= view.exists; seq++) if (flagSet(view.flagsAt(seq)).has("\\Deleted")) uids.push(view.uidAt(seq) ?? 0);
      s.unselect();
      await expungeMessages(s.store, view.mailboxId, uids);
    }
    s.unselect();
    return { text: "CLOSE completed.", next: "authenticated" };
  },
};

export const UNSELECT: ImapCommand = {
  name: "UNSELECT",
  states: ["selected"],
  handle(s, cmd) {
    cmd.args.end();
    s.unselect();
    return { text: "UNSELECT completed.", next: "authenticated" };
  },
};

export const CHECK: ImapCommand = {
  name: "CHECK",
  states: ["selected"],
  handle(_s, cmd) {
    // Everything is durable when acknowledged; CHECK is a NOOP here (RFC 3501 §6.4.1).
    cmd.args.end();
    return { text: "CHECK completed." };
  },
};

export const ENABLE: ImapCommand = {
  name: "ENABLE",
  states: ["authenticated", "selected"],
  async handle(s, cmd) {
    const a = cmd.args;
    const enabled: string[] = [];
    if (a.atEnd()) throw bad("ENABLE needs at least one capability.");
    while (!a.atEnd()) {
      a.sp();
      const cap = a.atom().toUpperCase();
      // RFC 7162 §3.1, §3.2.3: enabling CONDSTORE while selected also announces HIGHESTMODSEQ.
      const on = cap === "CONDSTORE" || cap === "QRESYNC" ? await useCondstore(s, cap) : s.enable(cap);
      // RFC 9051 §6.3.1 spells it "IMAP4rev2" in ENABLED.
      if (on) enabled.push(cap === "IMAP4REV2" ? "IMAP4rev2" : cap);
    }
    // RFC 5161 §3.2: list only what this command enabled.
    s.untagged(`ENABLED${enabled.length > 0 ? ` ${enabled.join(" ")}` : ""}`);
    return { text: "ENABLE completed." };
  },
};

export const NAMESPACE: ImapCommand = {
  name: "NAMESPACE",
  states: ["authenticated", "selected"],
  handle(s, cmd) {
    cmd.args.end();
    // RFC 2342 §5: one personal namespace, no prefix, "/" as the delimiter; no shared ones.
    s.untagged('NAMESPACE (("" "/")) NIL NIL');
    return { text: "NAMESPACE completed." };
  },
};

export const IDLE: ImapCommand = {
  name: "IDLE",
  states: ["authenticated", "selected"],
  async handle(s, cmd) {
    cmd.args.end();
    // RFC 2177 §3: "+ idling", then changes as they happen, until the client sends DONE.
    s.expectLine(
      (line) => {
        if (line.trim().toUpperCase() !== "DONE") throw bad("Expected DONE.");
        return { text: "IDLE terminated." };
      },
      { pushUpdates: true },
    );
    s.write("+ idling\r\n");
    await s.flushUpdates(true);
    return DEFERRED;
  },
};
