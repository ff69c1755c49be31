/**
 * DANE for SMTP (RFC 7672) as the checker sees it: the TLSA lookup and the match of the chain are
 * the dane room's (shared with outbound delivery); here is only the chain itself, fetched by one
 * extra connection, because the probes' report carries no DER.
 */
import { isIP } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { presentedChain } from "../dane/index.ts";
import { connectTarget } from "./probe/index.ts";
import type { Target } from "./types.ts";

interface ChainFetch {
  address: string;
  port: number;
  /** SNI to send (the MX host name). */
  servername: string;
  timeoutMs: number;
}

/**
 * The certificate chain an SMTP server presents after STARTTLS (RFC 3207), leaf first, as DER: one
 * short connection (the probes' connectTarget, then node:tls) with no verification — DANE decides,
 * not the PKI. CheckReport's CertificateInfo carries no DER, hence this extra connection.
 */
export async function fetchSmtpChain(o: ChainFetch): Promise<Buffer[]> {
  const target: Target = { host: o.servername, port: o.port, address: o.address, servername: o.servername, access: "smtp" };
  const { socket } = await connectTarget(target, { timeoutMs: o.timeoutMs, concurrency: 1, ca: [] });
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({ socket, servername: isIP(o.servername) === 0 ? o.servername : undefined, rejectUnauthorized: false, minVersion: "TLSv1.2" });
    const done = (err: Error | null, chain?: Buffer[]): void => {
      clearTimeout(timer);
      tls.destroy();
      socket.destroy();
      if (chain !== undefined) resolve(chain);
      else reject(err ?? new Error("no certificate"));
    };
    const timer = setTimeout(() => done(new Error(`TLS handshake with ${o.address}:${o.port} timed out after ${o.timeoutMs} ms`)), o.timeoutMs);
    tls.on("error", (err: Error) => done(err));
    tls.on("close", () => done(new Error(`${o.address}:${o.port} closed the connection during the TLS handshake`)));
    tls.on("secureConnect", () => done(null, presentedChain(tls)));
  });
}
