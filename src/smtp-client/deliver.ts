/**
 * One delivery attempt to one host (RFC 5321 §3): connect, greeting, EHLO (HELO after a 5xx,
 * §4.1.4), STARTTLS as the requirement says (RFC 3207) with a fresh EHLO after the handshake
 * (§4.2), the mail transaction (transaction.ts), QUIT. Every outcome — delivered, refused,
 * broken, TLS policy failure — comes back as a DeliveryResult; network and protocol failures
 * never throw. Time limits default to RFC 5321 §4.5.3.2. `deliverAndKeep` leaves a clean session
 * open for the next transaction (session.ts).
 */
import { newSessionId } from "../log/index.ts";
import { Channel } from "./channel.ts";
import { Failure, policyFailure, unexpected } from "./failure.ts";
import { parseExtensions, type SmtpReply } from "./reply.ts";
import { clientTlsOptions, summarise, tlsProblem } from "./tls-check.ts";
import { applyFailure, checkRequest, newResult, SmtpSession } from "./session.ts";
import { transaction } from "./transaction.ts";
import type { DeliveryRequest, DeliveryResult, DeliveryTimeouts } from "./types.ts";

const MINUTE = 60_000;

/** RFC 5321 §4.5.3.2 time limits, except connect (30 s) and the TLS handshake (not in the RFC). */
function resolveTimeouts(given: Partial<DeliveryTimeouts> = {}): DeliveryTimeouts {
  const commandMs = given.commandMs ?? 5 * MINUTE; // §4.5.3.2.2 MAIL, §4.5.3.2.3 RCPT
  const dataMs = given.dataMs ?? 10 * MINUTE; // §4.5.3.2.6 DATA termination
  return {
    connectMs: given.connectMs ?? 30_000,
    greetingMs: given.greetingMs ?? 5 * MINUTE, // §4.5.3.2.1
    commandMs,
    handshakeMs: given.handshakeMs ?? Math.min(commandMs, MINUTE),
    dataInitMs: given.dataInitMs ?? Math.min(commandMs, 2 * MINUTE), // §4.5.3.2.4
    dataBlockMs: given.dataBlockMs ?? Math.min(dataMs, 3 * MINUTE), // §4.5.3.2.5
    dataMs,
  };
}

export async function deliver(req: DeliveryRequest): Promise<DeliveryResult> {
  return (await deliverAndKeep(req, false)).result;
}

/**
 * One attempt on a new connection, as `deliver`; with `keep`, a session fit for another
 * transaction (session.ts) comes back open instead of being closed with QUIT.
 */
export async function deliverAndKeep(req: DeliveryRequest, keep: boolean): Promise<{ result: DeliveryResult; session: SmtpSession | null }> {
  const t = resolveTimeouts(req.timeouts);
  const result = newResult(req, []);
  let ch: Channel | null = null;
  let ext: Map<string, string> | null = null;
  let failure: Failure | null = null;
  try {
    checkRequest(req, result);
    result.session = newSessionId();
    ch = await Channel.connect({ address: req.address, port: req.port, timeoutMs: t.connectMs, signal: req.signal, transcript: result.transcript ?? [] });
    ext = await session(ch, req, t, result);
    result.mailStarted = true;
    await transaction(ch, req, t, ext, result);
  } catch (e) {
    failure = applyFailure(e, req.host, ch !== null, result);
  }
  if (ch === null) return { result, session: null };
  if (keep && ext !== null && result.mailStarted) {
    const kept = new SmtpSession(ch, t, ext, result, failure);
    if (kept.reusable) return { result, session: kept };
    await kept.close();
  } else if (failure?.closing === true) {
    ch.destroy();
  } else {
    await ch.quit(Math.min(t.commandMs, 10_000));
  }
  return { result, session: null };
}

/** Greeting, EHLO, STARTTLS and its checks, EHLO again: the extensions for the transaction. */
async function session(ch: Channel, req: DeliveryRequest, t: DeliveryTimeouts, result: DeliveryResult): Promise<Map<string, string>> {
  const host = req.host;
  // RFC 5321 §4.3.2: 220 greets; 554 refuses service (permanent); 421 closes (temporary).
  const greeting = await ch.readReply(t.greetingMs, "the greeting");
  if (greeting.code !== 220) throw unexpected(host, greeting, "the connection (greeting)");
  let ext = await hello(ch, req, t);
  result.starttlsOffered = ext.has("STARTTLS");
  const mode = req.tls.starttls;
  if (mode !== "never") {
    if (!result.starttlsOffered) {
      if (mode === "required") throw policyFailure({ kind: "no-starttls", host });
    } else {
      ch.send("STARTTLS");
      const r = await ch.readReply(t.commandMs, "the reply to STARTTLS");
      if (r.code === 220) {
        const socket = await ch.startTls(clientTlsOptions(host, req.tls), t.handshakeMs);
        result.tls = summarise(socket, host, req.tls);
        ch.note(`TLS ${result.tls.version} ${result.tls.cipher}, certificate ${certificateNote(result)}`);
        const problem = tlsProblem(result.tls, host);
        if (problem !== null) throw policyFailure(problem); // QUIT over TLS, no MAIL
        ext = await hello(ch, req, t); // RFC 3207 §4.2: forget the plaintext EHLO
        if (req.tls.requireTls === true && !ext.has("REQUIRETLS")) {
          // RFC 8689 §4.2.1: the server must advertise REQUIRETLS after STARTTLS; QUIT, no MAIL.
          throw policyFailure({ kind: "requiretls", host, reason: "not-offered", tls: null });
        }
      } else if (r.code === 421 || mode === "required") {
        throw failedStarttls(host, r);
      } else {
        ch.note("STARTTLS refused; continuing without TLS (opportunistic)");
      }
    }
  }
  if (req.tls.requireTls === true && (result.tls === null || !result.tls.certificate.checked)) {
    // RFC 8689 §4.2.1: never without TLS and an authenticated certificate (the policy asks for both).
    throw policyFailure({ kind: "requiretls", host, reason: "tls", tls: null });
  }
  return ext;
}

function failedStarttls(host: string, r: SmtpReply): Failure {
  if (r.code === 421) return unexpected(host, r, "STARTTLS");
  const reply = `${r.code} ${r.lines.join(" ")}`;
  return new Failure({ kind: "tls-handshake", host, detail: `the server refused STARTTLS: ${reply}` }, false);
}

function certificateNote(result: DeliveryResult): string {
  const c = result.tls?.certificate;
  if (c === undefined || !c.checked) return "not checked";
  return c.ok ? `ok (${c.matched})` : `${c.problem}: ${c.detail}`;
}

/** EHLO, or HELO when EHLO gets a 5xx (RFC 5321 §4.1.4); extensions are empty after HELO. */
async function hello(ch: Channel, req: DeliveryRequest, t: DeliveryTimeouts): Promise<Map<string, string>> {
  ch.send(`EHLO ${req.heloName}`);
  const ehlo = await ch.readReply(t.commandMs, "the reply to EHLO");
  if (ehlo.code === 250) return parseExtensions(ehlo);
  if (ehlo.code < 500) throw unexpected(req.host, ehlo, "EHLO");
  ch.send(`HELO ${req.heloName}`);
  const helo = await ch.readReply(t.commandMs, "the reply to HELO");
  if (helo.code !== 250) throw unexpected(req.host, helo, "HELO");
  return new Map();
}
