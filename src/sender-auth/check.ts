/**
 * The sender checks of one inbound message, with mailauth: SPF (RFC 7208) of the MAIL FROM identity
 * (of the HELO identity for the null sender, §2.4), DKIM (RFC 6376, Ed25519 RFC 8463), ARC
 * (RFC 8617) and DMARC (RFC 7489; mailauth computes the policy that applies: p, or sp for a
 * subdomain, §6.6.3) — and the Authentication-Results field that records them (RFC 8601).
 *
 * mailauth runs in its strict mode: every check as its RFC says (an rsa-sha1 signature is not a pass,
 * RFC 8301 §3.1; a body hash mismatch is `fail`, RFC 6376 §6.1.3), and the results name what the
 * field should: header.d, header.s and header.a for DKIM, smtp.mailfrom for SPF, header.from and
 * policy.dmarc for DMARC, arc= always. BIMI is not asked for.
 *
 * The message goes to mailauth as a stream of its parts (no copy of it is made); its DNS questions
 * go through `lookup` and are all bounded by one deadline: past it every lookup fails at once as a
 * timeout, which the checks report as temperror — a DNS failure never holds the message. A header
 * section too long for mailauth to read in reasonable time gets SPF and DMARC by SPF only.
 */
import { Readable } from "node:stream";
import { authenticate, dmarc, spf, type AuthenticateOptions, type DKIMResult, type DMARCResult, type SPFOptions, type SPFResult } from "mailauth";
import type { Lookup } from "../dns/index.ts";
import { fieldAt, fieldName, headerBounds, parseAddressList, scanHeader } from "../mime/index.ts";
import { authResultsField, headOf } from "./header.ts";

interface SenderFacts {
  /** The SMTP client's address. */
  ip: string;
  /** Its EHLO/HELO name, if it gave one. */
  helo: string | null;
  /** The envelope sender (MAIL FROM), "" for the null sender. */
  mailFrom: string;
  /** This host's name: the authserv-id (RFC 8601 §2.5) and the receiving host in SPF's comments. */
  authservId: string;
}

interface SignatureResult {
  /** The signing domain (d=), lower-cased. */
  domain: string;
  selector: string;
  algorithm: string;
  /** RFC 8601 §2.7.1: pass, fail, neutral, policy, temperror, permerror. */
  result: string;
}

export interface SenderAuthResults {
  /** The domains of the From field's addresses (RFC 5322 §3.6.2), lower-case, each once. */
  fromDomains: string[];
  /** RFC 8601 §2.7.2 result and the domain checked (MAIL FROM's, or the HELO name's for the null sender). */
  spf: { result: string; domain: string };
  /** One per DKIM-Signature; [] when the message is not signed. */
  dkim: SignatureResult[];
  /**
   * The DMARC evaluation of the From domain; null when there is no single author domain to
   * evaluate (no From, or several domains: RFC 7489 §6.6.1).
   */
  dmarc: {
    result: string;
    fromDomain: string;
    /** The policy that applies (p, sp for a subdomain, one level lower with t=y); null without a record. */
    policy: string | null;
    /** RFC 7489 §6.3 pct: the percentage of failing messages the policy is applied to (default 100). */
    pct: number;
  } | null;
  /** RFC 8617 §4.4 chain validation: none, pass or fail. */
  arc: string;
  /** The Authentication-Results field, CRLF-terminated. */
  field: string;
}

/** No checks made (they failed): the field says "none" (RFC 8601 §2.2), and nothing passed. */
export function uncheckedResults(authservId: string): SenderAuthResults {
  return { fromDomains: [], spf: { result: "none", domain: "" }, dkim: [], dmarc: null, arc: "none", field: authResultsField(authservId, []) };
}

/**
 * mailauth joins a folded field's lines one array splice at a time (tools.js parseHeaders), in time
 * that grows with the square of the header's line count, in one synchronous call: 40,000 lines
 * take a minute. Past this many lines only SPF, and DMARC by SPF, are checked — a long header
 * neither stops the server nor gets around a domain's policy. Real messages have tens of lines;
 * a thousand is a folded list of a thousand recipients.
 */
const MAX_HEADER_LINES = 1000;

/** What was found, in mailauth's shapes, for the results and the field. */
interface Found {
  /** The From field's addresses. */
  from: readonly string[];
  spf: SPFResult | false;
  dkim: readonly DKIMResult[];
  /** The field's dkim= rows: one per result, or one saying why there are none. */
  dkimRows: readonly string[];
  arc: { result: string; row: string };
  dmarc: DMARCResult | false;
  dmarcSkipReason: string | undefined;
}

/** Runs the checks on `message` (its parts, as they will be stored); the DNS deadline is `deadlineMs` from now. */
export async function checkSender(message: readonly Buffer[], facts: SenderFacts, lookup: Lookup, deadlineMs: number): Promise<SenderAuthResults> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), deadlineMs);
  const resolver = ((name: string, rrtype: string) => lookup(name, rrtype, deadline.signal)) as AuthenticateOptions["resolver"];
  const common = { ip: facts.ip, ...(facts.helo !== null ? { helo: facts.helo } : {}), mta: facts.authservId, resolver, strict: true };
  try {
    const long = longHeader(headOf(message).head);
    if (long !== null) return resultsOf(await checkEnvelope(long, facts.mailFrom, common), facts.authservId);
    const r = await authenticate(Readable.from(message), { ...common, sender: facts.mailFrom, disableBimi: true });
    return resultsOf(
      {
        from: r.dkim.headerFrom,
        spf: r.spf,
        dkim: r.dkim.results,
        dkimRows: r.dkim.results.map((d) => d.info),
        arc: r.arc !== false ? { result: r.arc.status.result, row: r.arc.info ?? "arc=none" } : { result: "none", row: "arc=none" },
        dmarc: r.dmarc,
        dmarcSkipReason: r.dmarcSkipReason,
      },
      facts.authservId,
    );
  } finally {
    clearTimeout(timer);
  }
}

/** The From addresses and From field count of a header section of more than MAX_HEADER_LINES lines; null for a shorter one. */
function longHeader(head: Buffer): { from: string[]; fields: number } | null {
  const { headerEnd } = headerBounds(head);
  let lines = 0;
  for (let at = head.indexOf(0x0a); at >= 0 && at < headerEnd && lines <= MAX_HEADER_LINES; at = head.indexOf(0x0a, at + 1)) lines++;
  if (lines <= MAX_HEADER_LINES) return null;
  const from: string[] = [];
  let fields = 0;
  scanHeader(head, 0, headerEnd, (start, colon, end) => {
    if (fieldName(head, start, colon) !== "from") return;
    fields++;
    for (const a of parseAddressList(fieldAt(head, start, colon, end).value)) if (a.mailbox !== null && a.host !== null) from.push(`${a.mailbox}@${a.host}`);
  });
  return { from, fields };
}

/**
 * Whether `message`'s header section is short enough for mailauth to read (MAX_HEADER_LINES): what
 * else hands the header to mailauth — the MX's ARC sealer — asks first.
 */
export function readableHeader(message: readonly Buffer[]): boolean {
  return longHeader(headOf(message).head) === null;
}

/** SPF, and DMARC with SPF as its only identifier (RFC 7489 §4.2): what a header too long to read leaves. */
async function checkEnvelope(long: { from: string[]; fields: number }, mailFrom: string, opts: Omit<SPFOptions, "sender">): Promise<Found> {
  const spfResult = await spf({ ...opts, sender: mailFrom });
  const spfDomains = spfResult.status.result === "pass" ? [spfResult.domain] : [];
  const dmarcResult = long.from.length > 0 ? await dmarc({ headerFrom: long.from, fromFields: long.fields, spfDomains, dkimDomains: [], resolver: opts.resolver, strict: true }) : false;
  const why = `(more than ${MAX_HEADER_LINES} header lines: not checked)`;
  return { from: long.from, spf: spfResult, dkim: [], dkimRows: [`dkim=permerror ${why}`], arc: { result: "fail", row: `arc=fail ${why}` }, dmarc: dmarcResult, dmarcSkipReason: undefined };
}

function resultsOf(f: Found, authservId: string): SenderAuthResults {
  // An unsigned message has one "dkim=none" result: it is the field's, not a signature.
  const signatures = f.dkim.filter((d) => d.signingDomain !== undefined);
  const d = f.dmarc;
  // RFC 7489 §6.6.1: without a single author domain there is nothing to evaluate; say why.
  const rows = [...f.dkimRows, f.spf !== false ? f.spf.info : "spf=none", f.arc.row, d !== false ? d.info : `dmarc=none (${f.dmarcSkipReason ?? "no-author-domain"})`];
  return {
    fromDomains: [...new Set(f.from.map((a) => a.slice(a.lastIndexOf("@") + 1).toLowerCase().replace(/\.$/, "")).filter((a) => a !== ""))],
    spf: f.spf !== false ? { result: f.spf.status.result, domain: f.spf.domain } : { result: "none", domain: "" },
    dkim: signatures.map((s) => ({ domain: (s.signingDomain ?? "").toLowerCase(), selector: s.selector ?? "", algorithm: s.algo ?? "", result: s.status.result })),
    dmarc:
      d === false
        ? null
        : { result: d.status.result, fromDomain: d.status.header?.from ?? "", policy: d.rr !== undefined ? d.policy : null, pct: d.rr !== undefined ? pctOf(d.rr) : 100 },
    arc: f.arc.result,
    field: authResultsField(authservId, rows),
  };
}

/**
 * RFC 7489 §6.3: "pct" — an integer 0 to 100, default 100. mailauth follows DMARCbis, which
 * dropped the tag, so it is read here from the record as published (tag names are case-sensitive,
 * RFC 6376 §3.2, as in mailauth's strict mode); a value that is not a number leaves the default.
 */
export function pctOf(record: string): number {
  for (const tag of record.split(";")) {
    const m = /^\s*pct\s*=\s*(\d{1,3})\s*$/.exec(tag);
    if (m?.[1] !== undefined) return Math.min(100, Number(m[1]));
  }
  return 100;
}
