/**
 * The CAPABILITY list (RFC 9051 §6.1.1, §7.2.2). Before TLS: STARTTLS and LOGINDISABLED, no AUTH=
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
  // Finding things (issue 13): one SEARCH engine, its result shaped, saved, sorted or threaded.
  "ESEARCH", // RFC 4731
  "SEARCHRES", // RFC 5182
  "SORT", // RFC 5256
  "SORT=DISPLAY", // RFC 5957
  "THREAD=ORDEREDSUBJECT", // RFC 5256 §3
  "THREAD=REFERENCES", // RFC 5256 §3
  "UTF8=ACCEPT", // RFC 6855
];

export function capabilities(s: { tls: boolean; canStartTls: boolean; authenticated: boolean }): string[] {
  const caps = ["IMAP4rev1"];
  if (!s.authenticated) {
    if (s.canStartTls) caps.push("STARTTLS");
    if (s.tls) caps.push("AUTH=PLAIN", "SASL-IR");
    else caps.push("LOGINDISABLED");
  }
  caps.push(...EXTENSIONS);
  return caps;
}
