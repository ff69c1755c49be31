/**
 * A refused or failed handshake's recorded reason, as it is shown. The transport records why
 * ("tlsv1 alert unknown ca"); rows written before it stopped prefixing "TLS handshake failed: "
 * lose that prefix here, so no reader prints it twice ("TLS handshake failed: TLS handshake failed: …").
 */
const OLD_PREFIX = /^TLS handshake failed: /;

export function handshakeReason(reason: string | null): string | null {
  return reason === null ? null : reason.replace(OLD_PREFIX, "");
}
