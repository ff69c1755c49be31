/** The login history in words, one entry per line (plus its hints): what `sealpost history` prints. */
import type { HistoryEntry } from "./history.ts";

/** The client's name as the client gave it: an address literal ("[127.0.0.1]", an EHLO from smtplib) keeps its own brackets. */
function clientName(name: string): string {
  return name.startsWith("[") && name.endsWith("]") ? name : `[${name}]`;
}

export function historyLine(e: HistoryEntry): string {
  const tls = e.tlsVersion !== null ? `${e.tlsVersion} ${e.tlsCipher ?? ""}`.trim() : e.kind === "login" ? "no TLS" : `offered at most ${e.offeredMax ?? "?"}`;
  const what =
    e.kind !== "login"
      ? `TLS handshake ${e.result}: ${e.reason ?? ""}`
      : e.throttled !== null
        ? `${e.mechanism ?? ""} refused: ${e.throttled}`
        : `${e.mechanism ?? ""} ${e.result}${e.reason !== null ? ` (${e.reason})` : ""}`;
  const head = `${e.legacy ? "LEGACY " : "       "}${e.time}  ${e.protocol}:${e.port}${e.legacyEndpoint ? " (legacy endpoint)" : ""}  ${e.clientIp}  ${e.session !== null ? `session ${e.session}  ` : ""}${tls}  ${what}${e.clientName !== null ? `  ${clientName(e.clientName)}` : ""}`;
  const extra = [e.attribution, e.hint].filter((x): x is string => x !== null).map((x) => `         ${x}`);
  return [head, ...extra].join("\n");
}
