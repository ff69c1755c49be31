/** Argument and output helpers the IMAP commands share: mailbox names (RFC 3501 §5.1.3), flags. */
import type { ArgParser } from "../parser/index.ts";
import { decodeMailboxName, encodeMailboxName, formatAstring } from "../parser/index.ts";
import type { ImapApi } from "../command.ts";
import type { MailboxView } from "../view.ts";
import { canonicalMailboxName } from "../../store/index.ts";

/** The hierarchy delimiter (RFC 9051 §5.1). */
export const DELIMITER = "/";

/** RFC 9051 §2.3.2: the system flags this server stores. */
const SYSTEM_FLAGS = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"] as const;

/**
 * Mailbox names travel in UTF-8 once UTF8=ACCEPT (RFC 6855 §3) or IMAP4rev2 (RFC 9051 §5.1,
 * Appendix E) is enabled, else in modified UTF-7 (RFC 3501 §5.1.3).
 */
export function utf8Names(s: ImapApi): boolean {
  return s.utf8 || s.rev2;
}

/** Reads a mailbox argument and returns its name as stored (UTF-8; modified UTF-7 decoded). */
export function readMailbox(s: ImapApi, a: ArgParser): string {
  const raw = a.mailbox();
  return canonicalMailboxName(utf8Names(s) ? raw : decodeMailboxName(raw));
}

/** The whole argument list of commands that take just a mailbox (CREATE, DELETE, SELECT, …). */
export function onlyMailboxArg(s: ImapApi, a: ArgParser): string {
  a.sp();
  const name = readMailbox(s, a);
  a.end();
  return name;
}

/** A stored mailbox name as the client expects it on the wire. */
export function formatMailbox(s: ImapApi, name: string): string {
  const utf8 = utf8Names(s);
  return formatAstring(utf8 ? name : encodeMailboxName(name), { utf8 });
}

/** Flags as stored (space-separated) → a set. */
export function flagSet(flags: string): Set<string> {
  return new Set(flags.split(" ").filter((f) => f !== ""));
}

/**
 * The FLAGS and PERMANENTFLAGS responses for a selected mailbox (RFC 3501 §7.2.6, §7.1): the system
 * flags and every keyword in use; a read-write mailbox lets clients make new keywords ("\\*"), a
 * read-only one keeps none. Sent at SELECT, and again before any FETCH that shows a keyword the
 * client has not been told of.
 */
export function flagsResponses(view: MailboxView): string {
  const all = [...SYSTEM_FLAGS, ...view.keywords].join(" ");
  return `* FLAGS (${all})\r\n* OK [PERMANENTFLAGS (${view.readOnly ? "" : `${all} \\*`})] Flags permitted.\r\n`;
}

/** flagsResponses when the view learnt a keyword since they were last sent, else "". */
export function newKeywordResponses(view: MailboxView): string {
  return view.takeNewKeywords() ? flagsResponses(view) : "";
}
