/**
 * The CAPABILITY list (RFC 9051 §6.1.1, §7.2.2): IMAP4rev1 and IMAP4rev2 side by side (§6.3.1: a
 * client that wants IMAP4rev2's behaviour says ENABLE IMAP4rev2; every other session stays rev1). Before TLS: STARTTLS and LOGINDISABLED, no AUTH=
 * mechanisms (RFC 9051 §6.2.3, RFC 8314 §3); after TLS: AUTH=PLAIN with SASL-IR (RFC 4959).
 */
const EXTENSIONS = [
  "LITERAL+", // RFC 7888
  "ID", // RFC 2971
  "ENABLE", // RFC 5161
  "IDLE", // RFC 2177
  "NAMESPACE", // RFC 2342
  "UIDPLUS", // RFC 4315
  "MOVE", // RFC 6851
  "UNSELECT", // RFC 3691
  "CHILDREN", // RFC 3348
  "SPECIAL-USE", // RFC 6154
  "LIST-EXTENDED", // RFC 5258
  "LIST-STATUS", // RFC 5819
  "BINARY", // RFC 3516
  // Issue 13, quota branch:
  "QUOTA", // RFC 9208 (one root per account, commands/quota.ts)
  "QUOTA=RES-STORAGE", // RFC 9208 §5.1
  "STATUS=SIZE", // RFC 8438
  "CONDSTORE", // RFC 7162 §3.1
  "QRESYNC", // RFC 7162 §3.2
  // Finding things (issue 13): one SEARCH engine, its result shaped, saved, sorted or threaded.
  "ESEARCH", // RFC 4731
  "SEARCHRES", // RFC 5182
  "SORT", // RFC 5256
  "SORT=DISPLAY", // RFC 5957
  "THREAD=ORDEREDSUBJECT", // RFC 5256 §3
  "THREAD=REFERENCES", // RFC 5256 §3
  "UTF8=ACCEPT", // RFC 6855
];

export function capabilities(s: { tls: boolean; canStartTls: boolean; authenticated: boolean; appendLimit: number }): string[] {
  // RFC 9051 §7.2.2: IMAP4rev2 (its required extensions, Appendix E, are all in EXTENSIONS too).
  const caps = ["IMAP4rev1", "IMAP4rev2"];
  if (!s.authenticated) {
    if (s.canStartTls) caps.push("STARTTLS");
    if (s.tls) caps.push("AUTH=PLAIN", "SASL-IR");
    else caps.push("LOGINDISABLED");
  }
  caps.push(...EXTENSIONS);
  // RFC 7889 §3: the largest message APPEND takes, in every mailbox (imap.max_literal).
  caps.push(`APPENDLIMIT=${s.appendLimit}`);
  // RFC 4978: offered once signed in (a deflate state per session only for those who may use it).
  if (s.authenticated) caps.push("COMPRESS=DEFLATE");
  return caps;
}
