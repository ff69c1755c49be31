/**
 * The features that need whole handshakes, done with Node's TLS client (OpenSSL) over the probe's
 * connection (after STARTTLS where the target needs it), TLS 1.0 to 1.2 only:
 *
 * - Client-initiated renegotiation (RFC 5246 §7.4.1.1; testssl.sh's secure_client_renego,
 *   CVE-2011-1473): on one connection, up to RENEGOTIATIONS renegotiations in a row. Each costs the
 *   server a full handshake, so a server that does them all can be kept busy by few clients; one
 *   that stops after some (Node.js: 3 per 10 minutes) limits the cost; one that refuses at once
 *   (OpenSSL 3's default, SSL_OP_NO_RENEGOTIATION) answers with a no_renegotiation alert
 *   (RFC 5246 §7.2.2).
 * - Session resumption (RFC 5246 §7.4.1.2 by session ID, RFC 5077 by ticket): a handshake, then a
 *   second connection offering the session; `isSessionReused()` says whether the server took it.
 *   The ID test turns tickets off (SSL_OP_NO_TICKET) so only the server's session cache can resume.
 */
import { constants } from "node:crypto";
import * as tls from "node:tls";
import { tlsHandshake } from "../certificate.ts";
import { connectTarget, type ProbePool } from "../probe/index.ts";
import type { CheckOptions, Target } from "../types.ts";

/** Renegotiations asked for on one connection: one more than Node.js's limit of 3 would allow, and a margin. */
const RENEGOTIATIONS = 5;

/**
 * After the first renegotiation, a server that stops answering has stopped renegotiating (Node.js
 * servers whose application ignores the renegotiation-attack error just hang): the wait for the
 * next one is bounded by how long the done ones took (at least 250 ms), not the full timeout.
 */
function nextWait(timeoutMs: number, slowestMs: number): number {
  return Math.min(timeoutMs, Math.max(250, 20 * slowestMs));
}

/**
 * TLS 1.0–1.2, every suite (security level 0), no trust anchors (nothing is judged here), and
 * OpenSSL's legacy options so a server without RFC 5746 can be tested too: without them OpenSSL 3
 * refuses such a server outright.
 */
const contexts = new Map<string, tls.SecureContext>();
function context(noTicket: boolean): tls.SecureContext {
  const key = noTicket ? "no-ticket" : "ticket";
  let ctx = contexts.get(key);
  if (ctx === undefined) {
    const legacy = constants.SSL_OP_LEGACY_SERVER_CONNECT | constants.SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION;
    ctx = tls.createSecureContext({
      minVersion: "TLSv1",
      maxVersion: "TLSv1.2",
      ciphers: "DEFAULT:@SECLEVEL=0",
      secureOptions: noTicket ? legacy | constants.SSL_OP_NO_TICKET : legacy,
    });
    contexts.set(key, ctx);
  }
  return ctx;
}

async function handshake(target: Target, opts: CheckOptions, noTicket: boolean, session?: Buffer): Promise<tls.TLSSocket> {
  const { socket } = await connectTarget(target, opts);
  return tlsHandshake(socket, target, opts, context(noTicket), session !== undefined ? { session } : {});
}

/** An OpenSSL error's reason ("no renegotiation" from "…:SSL routines:ssl3_read_bytes:no renegotiation:…"). */
function message(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return /:SSL routines:[^:]*:([^:]+):/.exec(text)?.[1] ?? text;
}

export interface RenegotiationProbe {
  status: "refused" | "limited" | "unlimited" | "not-tested";
  /** Renegotiations completed. */
  accepted: number;
  /** What ended the series, in words. */
  evidence: string;
  /** The version of the connection ("TLSv1.2"), when the handshake succeeded. */
  protocol: string | null;
}

/** One renegotiation: null when done, else what stopped it. */
function renegotiateOnce(secure: tls.TLSSocket, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const done = (why: string | null): void => {
      clearTimeout(timer);
      secure.off("error", onError);
      secure.off("close", onClose);
      resolve(why);
    };
    // A refusal arrives as an alert, which Node reports as the socket's error.
    const onError = (e: Error): void => done(`refused (${message(e)})`);
    const onClose = (): void => done("the server closed the connection");
    const timer = setTimeout(() => done(`no answer within ${timeoutMs} ms`), timeoutMs);
    secure.once("error", onError);
    secure.once("close", onClose);
    const started = secure.renegotiate({ rejectUnauthorized: false }, (err) => done(err ? `refused (${message(err)})` : null));
    if (!started) done("the connection could not start a renegotiation");
  });
}

export function probeRenegotiation(target: Target, opts: CheckOptions, pool: ProbePool): Promise<RenegotiationProbe> {
  return pool.run("client-initiated renegotiation", async () => {
    let secure: tls.TLSSocket;
    try {
      secure = await handshake(target, opts, false);
    } catch (e) {
      return { status: "not-tested", accepted: 0, evidence: message(e), protocol: null };
    }
    try {
      let accepted = 0;
      let slowest = 0;
      while (accepted < RENEGOTIATIONS) {
        const started = performance.now();
        const stop = await renegotiateOnce(secure, accepted === 0 ? opts.timeoutMs : nextWait(opts.timeoutMs, slowest));
        if (stop !== null) return { status: accepted === 0 ? "refused" : "limited", accepted, evidence: stop, protocol: secure.getProtocol() };
        slowest = Math.max(slowest, performance.now() - started);
        accepted++;
      }
      return { status: "unlimited", accepted, evidence: `all ${RENEGOTIATIONS} renegotiations asked for were done`, protocol: secure.getProtocol() };
    } finally {
      secure.destroy();
    }
  });
}

export interface ResumptionProbe {
  ids: boolean | null;
  tickets: boolean | null;
  /** Per test, what happened, in words. */
  evidence: { ids: string; tickets: string };
}

/**
 * A full handshake, then a second one offering its session: whether the server resumed it. The
 * first connection ends with close_notify (RFC 5246 §7.2.1) before the second starts: OpenSSL
 * drops a session from its cache when its connection ends without one.
 */
async function resumes(target: Target, opts: CheckOptions, noTicket: boolean): Promise<{ resumed: boolean | null; evidence: string }> {
  let first: tls.TLSSocket;
  try {
    first = await handshake(target, opts, noTicket);
  } catch (e) {
    return { resumed: null, evidence: message(e) };
  }
  const session = first.getSession();
  const ticket = first.getTLSTicket();
  first.end();
  try {
    if (session === undefined) return { resumed: false, evidence: "the server gave no session to resume" };
    if (!noTicket && ticket === undefined) return { resumed: false, evidence: "the server sent no session ticket" };
    let second: tls.TLSSocket;
    try {
      second = await handshake(target, opts, noTicket, session);
    } catch (e) {
      return { resumed: null, evidence: `the second handshake failed: ${message(e)}` };
    }
    const resumed = second.isSessionReused();
    second.end();
    second.destroy();
    return { resumed, evidence: resumed ? "a second connection resumed the first one's session" : "a second connection offering the session got a full handshake" };
  } finally {
    first.destroy();
  }
}

export async function probeResumption(target: Target, opts: CheckOptions, pool: ProbePool): Promise<ResumptionProbe> {
  const [ids, tickets] = await Promise.all([
    pool.run("resumption by session ID", () => resumes(target, opts, true)),
    pool.run("resumption by ticket", () => resumes(target, opts, false)),
  ]);
  return { ids: ids.resumed, tickets: tickets.resumed, evidence: { ids: ids.evidence, tickets: tickets.evidence } };
}
