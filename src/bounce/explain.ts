/**
 * Delivery problems in plain words, for the human-readable part of a DSN (RFC 3464 §2: "a
 * human-readable explanation"), the queue listing and the web console. Every string that came from
 * outside (host names, remote replies, library errors) is cleaned of control characters and cut to a
 * sane length before it is shown.
 */
import type { CertificateProblem, DeliveryProblem, RequireTlsReason } from "./problems.ts";
import { parseReply } from "./status.ts";
import { clean } from "./text.ts";

/** A problem explained: sentences, the remote reply to quote (rejected), and a hint for the sender. */
interface Explanation {
  /** One or more plain sentences. */
  text: string;
  /** The remote server's reply, line by line, to show quoted (only for rejections). */
  quote?: string[];
  /** A sentence for the sender, shown after the quote ("Please check the address …"). */
  hint?: string;
}

const NOT_DELIVERED = "so the message was not delivered.";
const CHECK_ADDRESS = "Please check the address for typing mistakes.";

const h = (s: string): string => clean(s, 255);
const paren = (detail: string): string => {
  const d = clean(detail, 300);
  return d === "" ? "" : ` (${d})`;
};

const CERTIFICATE: Record<CertificateProblem, string> = {
  expired: "a security certificate that has expired",
  "not-yet-valid": "a security certificate that is not valid yet",
  hostname: "a security certificate issued for a different name",
  untrusted: "a security certificate that was not issued by a trusted certificate authority",
  "weak-key": "a security certificate whose key is too short to be safe",
  "weak-signature": "a security certificate signed with an outdated method that can be forged (such as SHA-1 or MD5)",
  "dane-mismatch": "a security certificate that does not match the records its domain publishes for it in the DNS, secured with DNSSEC (DANE TLSA records)",
  other: "a security certificate that could not be verified",
};

/** What common enhanced codes (subject.detail, RFC 3463 §3, RFC 5248 registry) mean, in plain words. */
const REPLY_MEANING: Record<string, string> = {
  "1.1": "the address does not exist there",
  "1.2": "it does not accept mail for that domain",
  "1.6": "the recipient has moved and no longer receives mail at this address",
  "1.10": "the domain accepts no mail",
  "2.1": "the recipient's mailbox is disabled",
  "2.2": "the recipient's mailbox is full",
  "2.3": "the message is too big for the recipient's mailbox",
  "3.4": "the message is too big for the receiving server",
  "4.7": "the message is too old",
  "5.3": "the message has too many recipients",
  "7.1": "its rules do not allow this message (for example a spam filter or a block on the sender)",
  "7.23": "the message failed its check of the sender's domain (SPF)",
  "7.26": "the message failed its checks that it really comes from the sender's domain",
};

/** The problem explained in parts (for the DSN's text part, which quotes remote replies on their own lines). */
export function explainParts(p: DeliveryProblem): Explanation {
  switch (p.kind) {
    case "connect":
      return { text: `The receiving server ${h(p.host)} could not be reached${paren(p.detail)}.` };
    case "protocol":
      return { text: `The connection to the receiving server ${h(p.host)} broke off during delivery${paren(p.detail)}.` };
    case "no-starttls":
      return {
        text:
          `The receiving server ${h(p.host)} does not offer an encrypted connection (STARTTLS). ` +
          `This server sends mail to this destination only encrypted, ${NOT_DELIVERED}`,
      };
    case "tls-version":
      return {
        text:
          `The receiving server ${h(p.host)} offered only ${clean(p.offered, 40)}. ` +
          `This server sends mail only over TLS 1.2 or newer, ${NOT_DELIVERED}`,
      };
    case "weak-cipher":
      return {
        text:
          `The receiving server ${h(p.host)} offered only weak encryption ` +
          `(${clean(p.cipher, 80)}, weak because of ${clean(p.weakness, 80)}). ` +
          `This server sends mail only with strong encryption, ${NOT_DELIVERED}`,
      };
    case "tls-handshake":
      return {
        text: `This server could not set up an encrypted connection with the receiving server ${h(p.host)}${paren(p.detail)}, ${NOT_DELIVERED}`,
      };
    case "certificate":
      return {
        text:
          `The receiving server ${h(p.host)} presented ${CERTIFICATE[p.problem] ?? CERTIFICATE.other}${paren(p.detail)}` +
          `${p.problem === "hostname" ? ", so it could not prove that it is the right server" : ""}. ` +
          `This server delivers mail to this destination only when the certificate is valid, ${NOT_DELIVERED}`,
      };
    case "dane-lookup":
      return {
        text:
          `The receiving server ${h(p.host)} protects its connections with DANE, but its records in the DNS could not be ` +
          `looked up and checked with DNSSEC${paren(p.detail)}. Without them this server cannot tell a genuine connection ` +
          `from an intercepted one, so it did not connect and the message was not delivered.`,
      };
    case "mta-sts-mismatch": {
      const shown = p.patterns.slice(0, 10).map((x) => clean(x, 255));
      const list = shown.length === 0 ? "none" : shown.join(", ") + (p.patterns.length > shown.length ? ", …" : "");
      return {
        text:
          `The recipient's domain publishes a security policy (MTA-STS) that names the servers allowed to receive ` +
          `its mail (${list}). Its mail server ${h(p.host)} is not one of them, ${NOT_DELIVERED}`,
      };
    }
    case "requiretls":
      return describeRequireTls(p.host, p.reason, p.tls);
    case "rejected":
      return describeRejected(p.host, p.reply, p.permanent);
    case "null-mx":
      return {
        text: `The domain ${h(p.domain)} states that it accepts no mail at all (it publishes a "null MX" record), ${NOT_DELIVERED}`,
      };
    case "no-such-domain":
      return { text: `The domain ${h(p.domain)} does not exist, or it has no mail server. ${CHECK_ADDRESS}` };
    case "dns":
      return {
        text: `The mail servers of the domain ${h(p.domain)} could not be looked up because the name service (DNS) failed${paren(p.detail)}.`,
      };
    case "expired":
      return describeExpired(p.lifetime, p.last);
    case "operator":
      return { text: "The administrator of this mail system cancelled the delivery of the message." };
    default:
      return { text: "The message could not be delivered." };
  }
}

function describeRejected(host: string, reply: string, permanent: boolean): Explanation {
  const r = parseReply(reply);
  const temporary = r.code !== null ? r.code < 500 : !permanent;
  const meaning = r.enhanced === null ? undefined : REPLY_MEANING[r.enhanced.slice(2)];
  const verb = temporary ? "did not accept the message for now" : "refused the message";
  const out: Explanation = {
    text: `The receiving server ${h(host)} ${verb}${meaning === undefined ? "" : `: ${meaning}`}.`,
  };
  const quote = reply
    .split(/\r\n|\r|\n/)
    .map((l) => clean(l, 500))
    .filter((l) => l !== "")
    .slice(0, 20);
  if (quote.length > 0) out.quote = quote;
  if (r.enhanced?.slice(2) === "1.1") out.hint = CHECK_ADDRESS;
  return out;
}

/** RFC 8689 §4.2.1: what REQUIRETLS asks, and which of it the receiving side did not give. */
function describeRequireTls(host: string, reason: RequireTlsReason, tls: DeliveryProblem | null): Explanation {
  const asked =
    "The message was sent with REQUIRETLS: it may be passed on only over an encrypted connection to a server whose " +
    "identity is verified and which promises to keep it encrypted on its way on (RFC 8689).";
  const hint = "If the message may travel without this protection, send it again without REQUIRETLS.";
  const returned = "The message was therefore returned at once instead of being sent with less protection.";
  switch (reason) {
    case "mx-unauthenticated":
      return {
        text:
          `${asked} The list of the recipient domain's mail servers (its MX records, naming ${h(host)}) is neither ` +
          `signed with DNSSEC nor confirmed by an MTA-STS policy, so this server could not be sure that ${h(host)} is ` +
          `the right server. ${returned}`,
        hint,
      };
    case "not-offered":
      return {
        text:
          `${asked} The receiving server ${h(host)} set up a verified, encrypted connection, but it does not support ` +
          `REQUIRETLS, and so cannot promise to pass the message on only the same way. ${returned}`,
        hint,
      };
    case "tls": {
      // The TLS problem in its own words ("… does not offer an encrypted connection (STARTTLS) …").
      const inner = tls === null || tls.kind === "requiretls" ? null : explainParts(tls);
      return { text: `${asked} ${inner?.text ?? `The receiving server ${h(host)} could not offer such a connection. ${returned}`}`, hint };
    }
  }
}

function describeExpired(lifetime: string, last: DeliveryProblem | null): Explanation {
  const tried = `This server tried to deliver the message for ${clean(lifetime, 40)} without success and has now given up.`;
  if (last === null || last.kind === "expired") return { text: `${tried} The reason for the last failure is not known.` };
  const inner = explainParts(last);
  return { ...inner, text: `${tried} The last attempt failed: ${inner.text}` };
}

/** Plain-language sentence(s) for one problem, the remote reply (if any) quoted inline. */
export function explain(p: DeliveryProblem): string {
  const e = explainParts(p);
  let s = e.text;
  if (e.quote !== undefined) s += ` It replied: "${e.quote.join(" ")}"`;
  if (e.hint !== undefined) s += ` ${e.hint}`;
  return s;
}

/**
 * One sentence on what the receiving domain's administrators can do about a TLS, certificate or
 * MTA-STS problem (for an expired message: about its last problem), or null when it is not theirs to fix
 * in that way. `domain` is the recipient's domain.
 */
export function advice(p: DeliveryProblem, domain: string): string | null {
  const who = domain.trim() === "" ? "The administrators of the receiving server" : `The administrators of ${h(domain)}`;
  const fix = (how: string): string => `${who} can fix this by ${how}.`;
  switch (p.kind) {
    case "no-starttls":
      return fix(`enabling STARTTLS with TLS 1.2 or newer on ${h(p.host)}`);
    case "tls-version":
      return fix(`enabling TLS 1.2 on ${h(p.host)}`);
    case "weak-cipher":
      return fix(`enabling modern cipher suites (AES-GCM or ChaCha20 with forward secrecy) on ${h(p.host)}`);
    case "tls-handshake":
      return fix(`checking the TLS settings of ${h(p.host)}`);
    case "certificate":
      return fix(certificateFix(p.problem, h(p.host)));
    case "dane-lookup":
      return fix(`correcting the DNSSEC signatures of the DNS records of ${h(p.host)} (its TLSA and address records)`);
    case "mta-sts-mismatch":
      return fix(`adding ${h(p.host)} to their MTA-STS policy, or by correcting their MX records`);
    case "requiretls":
      return requireTlsFix(p, domain, fix);
    case "expired":
      return p.last === null || p.last.kind === "expired" ? null : advice(p.last, domain);
    default:
      return null;
  }
}

/** What the receiving side can do for a REQUIRETLS message to get through. */
function requireTlsFix(p: Extract<DeliveryProblem, { kind: "requiretls" }>, domain: string, fix: (how: string) => string): string | null {
  switch (p.reason) {
    case "mx-unauthenticated":
      return fix(`signing their DNS zone with DNSSEC, or by publishing an MTA-STS policy in mode enforce that names ${h(p.host)}`);
    case "not-offered":
      return fix(`running a mail server on ${h(p.host)} that supports REQUIRETLS (RFC 8689)`);
    case "tls":
      return p.tls === null || p.tls.kind === "requiretls" ? null : advice(p.tls, domain);
  }
}

function certificateFix(problem: CertificateProblem, host: string): string {
  switch (problem) {
    case "expired":
      return `renewing the certificate of ${host}`;
    case "not-yet-valid":
      return `installing a certificate on ${host} that is valid today, or by setting its clock right`;
    case "hostname":
      return `installing a certificate on ${host} that includes the name ${host}`;
    case "untrusted":
      return `installing a certificate on ${host} from a public certificate authority, with its full chain`;
    case "weak-key":
      return `installing a certificate on ${host} with a key of at least 2048 bits (RSA) or 256 bits (ECDSA)`;
    case "weak-signature":
      return `installing a certificate on ${host} signed with SHA-256 or stronger`;
    case "dane-mismatch":
      return `publishing TLSA records for ${host} that match its certificate (before the certificate changes, not after)`;
    default:
      return `checking the certificate of ${host}`;
  }
}
