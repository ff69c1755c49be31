/**
 * MAIL FROM / RCPT TO argument parsing: RFC 5321 §4.1.2 (Path, Mailbox), §4.1.1.2/§4.1.1.3
 * (parameters), RFC 6531 §3.3 (UTF-8 addresses under SMTPUTF8).
 */
import { Code, Status } from "./codes.ts";
import { SmtpError } from "./errors.ts";

interface PathArgs {
  /** The address without angle brackets; "" for the null reverse-path "<>". */
  address: string;
  /** ESMTP parameters, keys upper-cased; value undefined for flag parameters. */
  params: Map<string, string | undefined>;
}

// RFC 5321 §4.1.2 atext, plus UTF-8 (RFC 6531 §3.3 extends atext with UTF8-non-ascii).
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+|[^\\x00-\\x7f]+";
const DOT_STRING = `(?:${ATOM})+(?:\\.(?:${ATOM})+)*`;
const QUOTED_STRING = `"(?:[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\x20-\\x7e]|[^\\x00-\\x7f])*"`;
const LABEL = "(?:[A-Za-z0-9]|[^\\x00-\\x7f])(?:(?:[A-Za-z0-9-]|[^\\x00-\\x7f])*(?:[A-Za-z0-9]|[^\\x00-\\x7f]))?";
const DOMAIN = `${LABEL}(?:\\.${LABEL})*`;
const ADDRESS_LITERAL = "\\[(?:IPv6:[0-9A-Fa-f:.]+|[0-9.]+)\\]";
const MAILBOX_RE = new RegExp(`^(?:${DOT_STRING}|${QUOTED_STRING})@(?:${DOMAIN}|${ADDRESS_LITERAL})$`, "u");
// A source route ("@a,@b:") is accepted and ignored, RFC 5321 §4.1.2 / Appendix C.
const SOURCE_ROUTE_RE = /^@[^:]+:/;

/** Parses `FROM:<addr> [params]` or `TO:<addr> [params]` (the keyword already matched by the caller). */
export function parsePathArgs(rest: string, opts: { allowNull: boolean; what: "sender" | "recipient" }): PathArgs {
  const bad = (): SmtpError =>
    new SmtpError(
      Code.PARAM_SYNTAX_ERROR,
      opts.what === "sender" ? Status.BAD_SENDER_SYNTAX : Status.BAD_DEST_SYNTAX,
      `Bad ${opts.what} address syntax`,
    );
  const trimmed = rest.trimStart();
  if (!trimmed.startsWith("<")) throw bad();
  const close = trimmed.indexOf(">");
  if (close < 0) throw bad();
  let address = trimmed.slice(1, close);
  address = address.replace(SOURCE_ROUTE_RE, "");
  const paramText = trimmed.slice(close + 1);
  if (paramText !== "" && !paramText.startsWith(" ")) throw bad();
  if (address === "") {
    if (!opts.allowNull) throw bad();
  } else if (!isMailbox(address)) {
    throw bad();
  }
  const params = new Map<string, string | undefined>();
  for (const p of paramText.split(" ").filter((s) => s !== "")) {
    const eq = p.indexOf("=");
    const key = (eq < 0 ? p : p.slice(0, eq)).toUpperCase();
    if (!/^[A-Z0-9][A-Z0-9-]*$/.test(key)) {
      throw new SmtpError(Code.PARAM_SYNTAX_ERROR, Status.INVALID_ARGUMENTS, `Bad parameter syntax "${key.slice(0, 20)}"`);
    }
    params.set(key, eq < 0 ? undefined : p.slice(eq + 1));
  }
  return { address, params };
}

/**
 * RFC 5321 §4.1.2 Mailbox (RFC 6531 §3.3: UTF-8 allowed), within §4.5.3.1's sizes: a path of at most
 * 256 octets with its brackets, a local part of at most 64. The one check of an address's syntax:
 * RCPT and MAIL use it, and so does the webmail's form before it submits.
 */
export function isMailbox(address: string): boolean {
  return address.length <= 254 && MAILBOX_RE.test(address) && address.slice(0, address.lastIndexOf("@")).length <= 64;
}

export function isAscii(s: string): boolean {
  return /^[\x00-\x7f]*$/.test(s);
}

export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf("@") + 1).toLowerCase();
}
