/**
 * LIST and LSUB (RFC 9051 §6.3.9, RFC 3501 §6.3.8–§6.3.9), with the LIST-EXTENDED syntax
 * (RFC 5258): selection options SUBSCRIBED, SPECIAL-USE (RFC 6154 §3), RECURSIVEMATCH and REMOTE
 * (a no-op: there are no remote mailboxes); return options SUBSCRIBED, CHILDREN, SPECIAL-USE and
 * STATUS (LIST-STATUS, RFC 5819); several patterns in one command.
 *
 * Attributes: \HasChildren / \HasNoChildren always (RFC 3348, RFC 5258 §4), the RFC 6154
 * special-use attribute always (clients that only send a plain LIST rely on it), \Subscribed only
 * when asked for (RETURN (SUBSCRIBED) or the SUBSCRIBED selection). The store keeps no holes in
 * the hierarchy, but a name that exists only as a parent level would be listed as \Noselect under
 * a pattern ending in "%" (§6.3.9), or as \NonExistent with CHILDINFO (RFC 5258 §3.5).
 */
import { listMailboxes, mailboxStatus, superiorNames, type MailboxRow } from "../../store/index.ts";
import type { ImapApi, ImapCommand } from "../command.ts";
import { bad } from "../errors.ts";
import { decodeMailboxName, ImapParseError, type ArgParser } from "../parser/index.ts";
import { compilePattern, type CompiledPattern } from "./list-pattern.ts";
import { accountId, formatStatus, readStatusItems, type StatusItem } from "./mailboxes.ts";
import { DELIMITER, formatMailbox, readMailbox } from "./util.ts";

interface ListRequest {
  reference: string;
  patterns: string[];
  /** `LIST ref ""` (a single, unparenthesised empty pattern): the delimiter request. */
  delimiterRequest: boolean;
  selectSubscribed: boolean;
  selectSpecialUse: boolean;
  recursiveMatch: boolean;
  returnSubscribed: boolean;
  /** RETURN (STATUS (...)) items, or null. */
  status: StatusItem[] | null;
}

/**
 * list-mailbox, decoded from modified UTF-7 unless UTF8=ACCEPT is on (RFC 9051 §5.1.3); null for a
 * pattern that is not valid modified UTF-7. A pattern is not a mailbox name to be validated: it
 * can match no stored name (every name is stored canonically), so it matches nothing and LIST
 * still completes OK, as Dovecot answers (RFC 9051 §6.3.9 returns no NO for a pattern).
 */
function readPattern(s: ImapApi, a: ArgParser): string | null {
  const raw = a.listMailbox();
  if (s.utf8) return raw;
  try {
    return decodeMailboxName(raw);
  } catch (e) {
    if (e instanceof ImapParseError) return null;
    throw e;
  }
}

const valid = (patterns: ReadonlyArray<string | null>): string[] => patterns.filter((p): p is string => p !== null);

/**
 * list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
 * (RFC 5258 §6); LSUB takes only `mailbox SP list-mailbox`.
 */
function readListArgs(s: ImapApi, a: ArgParser, extended: boolean): ListRequest {
  const req: ListRequest = {
    reference: "", patterns: [], delimiterRequest: false, selectSubscribed: false, selectSpecialUse: false,
    recursiveMatch: false, returnSubscribed: false, status: null,
  };
  a.sp();
  if (extended && a.peekIs("(")) {
    let base = false;
    for (const opt of a.list((p) => p.keyword("selection option"), { allowEmpty: true })) {
      if (opt === "SUBSCRIBED") {
        req.selectSubscribed = req.returnSubscribed = base = true;
      } else if (opt === "SPECIAL-USE") {
        req.selectSpecialUse = base = true;
      } else if (opt === "RECURSIVEMATCH") {
        req.recursiveMatch = true;
      } else if (opt !== "REMOTE") {
        throw bad("Unknown LIST selection option.");
      }
    }
    // RFC 5258 §3.1: RECURSIVEMATCH alone (or only with REMOTE) is BAD.
    if (req.recursiveMatch && !base) throw bad("RECURSIVEMATCH needs a selection option to match.");
    a.sp();
  }
  req.reference = readMailbox(s, a);
  a.sp();
  if (extended && a.peekIs("(")) {
    req.patterns = valid(a.list((p) => readPattern(s, p)));
  } else {
    req.patterns = valid([readPattern(s, a)]);
    req.delimiterRequest = req.patterns[0] === "";
  }
  if (extended && !a.atEnd()) {
    a.sp();
    if (!a.atEnd()) {
      if (a.keyword("RETURN") !== "RETURN") throw bad("Expected RETURN.");
      a.sp();
      a.list(
        (p) => {
          const opt = p.keyword("return option");
          if (opt === "SUBSCRIBED") req.returnSubscribed = true;
          else if (opt === "STATUS") {
            p.sp();
            req.status = readStatusItems(p);
          } else if (opt !== "CHILDREN" && opt !== "SPECIAL-USE") throw bad("Unknown LIST return option.");
          return opt;
        },
        { allowEmpty: true },
      );
    }
  }
  a.end();
  return req;
}

/** Throws PatternTooComplexError (NO [LIMIT], by the session's error table). */
function compile(req: ListRequest): CompiledPattern[] {
  // RFC 9051 §6.3.9: the reference and the pattern together name the hierarchy level.
  return req.patterns.map((p) => compilePattern(req.reference + p, DELIMITER));
}

/** Every name to consider: the mailboxes and their superior levels, INBOX first. */
function hierarchy(rows: readonly MailboxRow[]): { names: string[]; byName: Map<string, MailboxRow>; parents: Set<string> } {
  const byName = new Map(rows.map((r) => [r.name, r]));
  const parents = new Set<string>();
  for (const r of rows) for (const p of superiorNames(r.name)) parents.add(p);
  const names = [...new Set([...byName.keys(), ...parents])].sort((x, y) => {
    if (x === "INBOX" || y === "INBOX") return x === "INBOX" ? (y === "INBOX" ? 0 : -1) : 1;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return { names, byName, parents };
}

function flush(s: ImapApi, lines: string[]): void {
  if (lines.length > 0) s.write(lines.map((l) => `* ${l}\r\n`).join(""));
}

async function list(s: ImapApi, req: ListRequest): Promise<void> {
  if (req.delimiterRequest) {
    // RFC 9051 §6.3.9: the hierarchy delimiter and the root; this namespace has no prefix.
    s.untagged(`LIST (\\Noselect) "${DELIMITER}" ""`);
    return;
  }
  const patterns = compile(req);
  const matches = (name: string): boolean => patterns.some((p) => p.matches(name));
  const { names, byName, parents } = hierarchy(await listMailboxes(s.store.db, accountId(s)));
  const selecting = req.selectSubscribed || req.selectSpecialUse;
  const meets = (r: MailboxRow): boolean => (!req.selectSubscribed || r.subscribed) && (!req.selectSpecialUse || r.specialUse !== null);
  // RFC 5258 §3.5: with RECURSIVEMATCH, a matching name whose descendants meet the selection
  // criteria without matching the pattern themselves is listed with CHILDINFO.
  const childInfo = new Set<string>();
  if (req.recursiveMatch) {
    for (const r of byName.values()) if (meets(r) && !matches(r.name)) for (const p of superiorNames(r.name)) childInfo.add(p);
  }
  const childInfoData = ` ("CHILDINFO" (${[req.selectSubscribed ? '"SUBSCRIBED"' : "", req.selectSpecialUse ? '"SPECIAL-USE"' : ""].filter((x) => x !== "").join(" ")}))`;
  const lines: string[] = [];
  for (const name of names) {
    if (!matches(name)) continue;
    const row = byName.get(name);
    const ci = childInfo.has(name);
    const attrs: string[] = [];
    if (row !== undefined) {
      if (selecting && !meets(row) && !ci) continue;
      attrs.push(parents.has(name) ? "\\HasChildren" : "\\HasNoChildren");
      if (row.specialUse !== null) attrs.push(row.specialUse);
      if (req.returnSubscribed && row.subscribed) attrs.push("\\Subscribed");
    } else {
      const levelMatch = patterns.some((p) => p.endsWithPercent && p.matches(name));
      if (!(ci || (!selecting && levelMatch))) continue;
      attrs.push(selecting ? "\\NonExistent" : "\\Noselect", "\\HasChildren");
    }
    lines.push(`LIST (${attrs.join(" ")}) "${DELIMITER}" ${formatMailbox(s, name)}${ci ? childInfoData : ""}`);
    if (req.status !== null && row !== undefined) {
      // RFC 5819 §2: the STATUS response follows the mailbox's LIST response.
      const st = await mailboxStatus(s.store.db, row.id);
      if (st !== undefined) lines.push(formatStatus(s, name, st, req.status));
    }
  }
  flush(s, lines);
}

/**
 * LSUB (RFC 3501 §6.3.9): the subscribed names that match. Under a pattern ending in "%", a level
 * that is not subscribed itself but has subscribed names below it is listed as \Noselect.
 */
async function lsub(s: ImapApi, req: ListRequest): Promise<void> {
  if (req.delimiterRequest) {
    s.untagged(`LSUB (\\Noselect) "${DELIMITER}" ""`);
    return;
  }
  const patterns = compile(req);
  const { names, byName } = hierarchy(await listMailboxes(s.store.db, accountId(s)));
  const withSubscribedChildren = new Set<string>();
  for (const r of byName.values()) if (r.subscribed) for (const p of superiorNames(r.name)) withSubscribedChildren.add(p);
  const lines: string[] = [];
  for (const name of names) {
    if (!patterns.some((p) => p.matches(name))) continue;
    if (byName.get(name)?.subscribed === true) {
      lines.push(`LSUB () "${DELIMITER}" ${formatMailbox(s, name)}`);
    } else if (withSubscribedChildren.has(name) && patterns.some((p) => p.endsWithPercent && p.matches(name))) {
      lines.push(`LSUB (\\Noselect) "${DELIMITER}" ${formatMailbox(s, name)}`);
    }
  }
  flush(s, lines);
}

export const LIST: ImapCommand = {
  name: "LIST",
  states: ["authenticated", "selected"],
  async handle(s, cmd) {
    await list(s, readListArgs(s, cmd.args, true));
    return { text: "LIST completed." };
  },
};

export const LSUB: ImapCommand = {
  name: "LSUB",
  states: ["authenticated", "selected"],
  async handle(s, cmd) {
    await lsub(s, readListArgs(s, cmd.args, false));
    return { text: "LSUB completed." };
  },
};
