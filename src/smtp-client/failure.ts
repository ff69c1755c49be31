/**
 * How a delivery attempt ends badly: one Failure carrying the DeliveryProblem, whether it is
 * permanent, and the reply (received, or synthesised locally) that decided it, if any.
 */
import type { DeliveryProblem } from "../bounce/index.ts";
import { ChannelError } from "./channel.ts";
import { isPermanent, printable, replyText, type SmtpReply } from "./reply.ts";
import { handshakeProblem } from "./tls-check.ts";

export class Failure extends Error {
  readonly problem: DeliveryProblem;
  readonly permanent: boolean;
  /** The reply that failed the attempt, for recipients it concerns: code and full text. */
  readonly code: number;
  readonly reply: string;
  /** The server said 421 (RFC 5321 §3.8): it is closing; no QUIT. */
  readonly closing: boolean;
  constructor(problem: DeliveryProblem, permanent: boolean, reply?: { code: number; text: string; closing?: boolean }) {
    super(problem.kind);
    this.problem = problem;
    this.permanent = permanent;
    this.code = reply?.code ?? 0;
    this.reply = reply?.text ?? "";
    this.closing = reply?.closing ?? false;
  }
}

/** A 4xx/5xx reply: `rejected`, temporary or permanent; 421 also means the server is closing. */
export function rejected(host: string, r: SmtpReply): Failure {
  const permanent = isPermanent(r);
  const text = replyText(r);
  return new Failure({ kind: "rejected", host, reply: text, permanent }, permanent, { code: r.code, text, closing: r.code === 421 });
}

/** A reply that is not the one expected: an error reply is `rejected`, anything else a protocol problem. */
export function unexpected(host: string, r: SmtpReply, what: string): Failure {
  if (r.code >= 400) return rejected(host, r);
  return new Failure({ kind: "protocol", host, detail: `unexpected reply to ${what}: "${printable(replyText(r))}"` }, false);
}

/**
 * A refusal decided here, without asking the server, in reply form so bounces read alike:
 * "552 5.3.4 … (local: not sent to the server)". Always permanent.
 */
export function localRefusal(host: string, code: number, status: string, text: string): Failure {
  const reply = `${code} ${status} ${text} (local: not sent to the server)`;
  return new Failure({ kind: "rejected", host, reply, permanent: true }, true, { code, text: reply });
}

const TLS_POLICY_KINDS: ReadonlySet<string> = new Set(["no-starttls", "tls-version", "weak-cipher", "certificate", "requiretls"]);

/** Any error thrown during an attempt, as a Failure. `connected`: the TCP connection was made. */
export function toFailure(e: unknown, host: string, connected: boolean): Failure {
  if (e instanceof Failure) return e;
  if (e instanceof ChannelError) {
    switch (e.reason) {
      case "connect":
        return new Failure({ kind: "connect", host, detail: e.message }, false);
      case "aborted":
        return new Failure({ kind: connected ? "protocol" : "connect", host, detail: e.message }, false);
      case "tls": {
        const problem = handshakeProblem(host, e.code, e.message);
        return new Failure(problem, TLS_POLICY_KINDS.has(problem.kind));
      }
      default:
        return new Failure({ kind: "protocol", host, detail: e.message }, false);
    }
  }
  const detail = e instanceof Error ? e.message : String(e);
  return new Failure({ kind: "protocol", host, detail: `internal error: ${detail}` }, false);
}

/** TLS policy problems are permanent for this attempt; the caller decides retries for them. */
export function policyFailure(problem: DeliveryProblem): Failure {
  return new Failure(problem, TLS_POLICY_KINDS.has(problem.kind));
}
