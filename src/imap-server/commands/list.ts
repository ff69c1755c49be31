/**
 * LIST and LSUB (RFC 9051 §6.3.9, RFC 3501 §6.3.8–§6.3.9), with the LIST-EXTENDED syntax
 * (RFC 5258): selection options SUBSCRIBED, SPECIAL-USE (RFC 6154 §3), RECURSIVEMATCH and REMOTE
 * (a no-op: there are no remote mailboxes); return options SUBSCRIBED, CHILDREN, SPECIAL-USE and
 * STATUS (LIST-STATUS, RFC 5819); several patterns in one command.
 *
 * Attributes: \HasChildren / \HasNoChildren always (RFC 3348, RFC 5258 §4), the RFC 6154
 * special-use attribute always (clients that only send a plain LIST rely on it), \Subscribed only
 * when asked for (RETURN (SUBSCRIBED) or the SUBSCRIBED selection). The store keeps no holes in
 * the hierarchy of mailboxes, but subscriptions outlive their mailbox: with the SUBSCRIBED selection
 * a subscribed name that does not exist is listed as \NonExistent (RFC 5258 §3.1), and a level that
 * exists only above subscribed names as \NonExistent with CHILDINFO (§3.5).
 */
import { listMailboxes, listSubscriptions, mailboxStatus, superiorNames, type MailboxRow } from "../../store/index.ts";
import type { ImapApi, ImapCommand } from "../command.ts";
import { bad } from "../errors.ts";
import { decodeMailboxName, ImapParseError, type ArgParser } from "../parser/index.ts";
import { compilePattern, type CompiledPattern } from "./list-pattern.ts";
import { accountId, formatStatus, readStatusItems, type StatusItem } from "./mailboxes.ts";
import { DELIMITER, formatMailbox, readMailbox, utf8Names } from "./util.ts";

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
 * list-mailbox, decoded from modified UTF-7 unless UTF-8 names are on (utf8Names); null for a
 * pattern that is not valid modified UTF-7. A pattern is not a mailbox name to be validated: it
 * can match no stored name (every name is stored canonically), so it matches nothing and LIST
 * still completes OK, as Dovecot answers (RFC 9051 §6.3.9 returns no NO for a pattern).
 */
function readPattern(s: ImapApi, a: ArgParser): string | null {
  const raw = a.listMailbox();
  if (utf8Names(s)) return raw;
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
            req.status = readStatusItems(s, p);
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

/** INBOX first, then by code point (RFC 9051 leaves the order open; clients read it as given). */
function byListOrder(x: string, y: string): number {
  if (x === "INBOX" || y === "INBOX") return x === "INBOX" ? (y === "INBOX" ? 0 : -1) : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `names` and every superior level of them, sorted. */
function withLevels(names: Iterable<string>): string[] {
  const all = new Set<string>();
  for (const n of names) {
    all.add(n);
    for (const p of superiorNames(n)) all.add(p);
  }
  return [...all].sort(byListOrder);
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
  const rows = await listMailboxes(s.store.db, accountId(s));
  const subscribed = req.selectSubscribed || req.returnSubscribed ? new Set(await listSubscriptions(s.store.db, accountId(s))) : new Set<string>();
  const byName = new Map(rows.map((r) => [r.name, r]));
  // \HasChildren counts mailboxes that exist (RFC 5258 §4), not subscriptions.
  const parents = new Set<string>();
  for (const r of rows) for (const p of superiorNames(r.name)) parents.add(p);
  // RFC 5258 §3.1: with SUBSCRIBED, a subscribed name that no longer exists is listed too (\NonExistent).
  const names = withLevels(req.selectSubscribed ? [...byName.keys(), ...subscribed] : byName.keys());
  const selecting = req.selectSubscribed || req.selectSpecialUse;
  const meets = (name: string): boolean => {
    if (req.selectSubscribed && !subscribed.has(name)) return false;
    return !req.selectSpecialUse || (byName.get(name)?.specialUse ?? null) !== null;
  };
  // RFC 5258 §3.5: with RECURSIVEMATCH, a matching name whose descendants meet the selection
  // criteria without matching the pattern themselves is listed with CHILDINFO.
  const childInfo = new Set<string>();
  if (req.recursiveMatch) {
    for (const name of names) if (meets(name) && !matches(name)) for (const p of superiorNames(name)) childInfo.add(p);
  }
  const childInfoData = ` ("CHILDINFO" (${[req.selectSubscribed ? '"SUBSCRIBED"' : "", req.selectSpecialUse ? '"SPECIAL-USE"' : ""].filter((x) => x !== "").join(" ")}))`;
  const lines: string[] = [];
  for (const name of names) {
    if (!matches(name)) continue;
    const row = byName.get(name);
    const ci = childInfo.has(name);
    const attrs: string[] = [];
    if (row !== undefined) {
      if (selecting && !meets(name) && !ci) continue;
      attrs.push(parents.has(name) ? "\\HasChildren" : "\\HasNoChildren");
      if (row.specialUse !== null) attrs.push(row.specialUse);
      if (req.returnSubscribed && subscribed.has(name)) attrs.push("\\Subscribed");
    } else if (selecting) {
      // RFC 5258 §3.1, §3.5: a subscribed name without a mailbox, or a level shown for its CHILDINFO.
      const listed = meets(name);
      if (!listed && !ci) continue;
      attrs.push("\\NonExistent");
      if (parents.has(name)) attrs.push("\\HasChildren");
      if (listed && subscribed.has(name)) attrs.push("\\Subscribed");
    } else {
      if (!patterns.some((p) => p.endsWithPercent && p.matches(name))) continue;
      attrs.push("\\Noselect", "\\HasChildren");
    }
    lines.push(`LIST (${attrs.join(" ")}) "${DELIMITER}" ${formatMailbox(s, name)}${ci ? childInfoData : ""}`);
    if (req.status !== null && row !== undefined) {
      // RFC 5819 §2: the STATUS response follows the mailbox's LIST response.
      const st = await mailboxStatus(s.store.db, row.id, { recent: req.status.includes("RECENT") });
      if (st !== undefined) lines.push(formatStatus(s, name, st, req.status));
    }
  }
  flush(s, lines);
}

/**
 * The LIST response an IMAP4rev2 SELECT/EXAMINE gives for its mailbox (RFC 9051 §6.3.2: "MUST return
 * a LIST response with the mailbox name", its attributes accurate): the attributes a plain LIST shows.
 * Names are stored as given (no normalization), so OLDNAME never applies.
 */
export async function selectListResponse(s: ImapApi, mailbox: MailboxRow): Promise<string> {
  const prefix = `${mailbox.name}${DELIMITER}`;
  const hasChildren = (await listMailboxes(s.store.db, accountId(s))).some((r) => r.name.startsWith(prefix));
  const attrs = [hasChildren ? "\\HasChildren" : "\\HasNoChildren", ...(mailbox.specialUse !== null ? [mailbox.specialUse] : [])];
  return `LIST (${attrs.join(" ")}) "${DELIMITER}" ${formatMailbox(s, mailbox.name)}`;
}

/**
 * LSUB (RFC 3501 §6.3.9): the subscribed names that match; one whose mailbox does not exist (it
 * was deleted, or never was) is \Noselect. Under a pattern ending in "%", a level that is not
 * subscribed itself but has subscribed names below it is listed as \Noselect too.
 */
async function lsub(s: ImapApi, req: ListRequest): Promise<void> {
  if (req.delimiterRequest) {
    s.untagged(`LSUB (\\Noselect) "${DELIMITER}" ""`);
    return;
  }
  const patterns = compile(req);
  const subscribed = await listSubscriptions(s.store.db, accountId(s));
  const subs = new Set(subscribed);
  const existing = new Set((await listMailboxes(s.store.db, accountId(s))).map((r) => r.name));
  const lines: string[] = [];
  for (const name of withLevels(subscribed)) {
    if (!patterns.some((p) => p.matches(name))) continue;
    if (subs.has(name)) {
      lines.push(`LSUB (${existing.has(name) ? "" : "\\Noselect"}) "${DELIMITER}" ${formatMailbox(s, name)}`);
    } else if (patterns.some((p) => p.endsWithPercent && p.matches(name))) {
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
