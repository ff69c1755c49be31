/**
 * EHLO and HELO (RFC 5321 §4.1.1.1). EHLO lists the extensions: PIPELINING (RFC 2920), SIZE
 * (RFC 1870), STARTTLS (RFC 3207 §4, not after the upgrade: §4.2), ENHANCEDSTATUSCODES
 * (RFC 2034), 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531), REQUIRETLS (RFC 8689 §2, only on a TLS
 * session).
 */
import { Code, Status, SmtpError } from "../../smtp/index.ts";
import type { SmtpCommand } from "../command.ts";
import { ANY_COMMAND_STATE } from "../state.ts";

// A domain or an address literal (RFC 5321 §4.1.3); we are lenient on the name, as Postfix is.
const HELO_ARG = /^(?:\[[0-9A-Fa-f:.IPv]+\]|[^\s\x00-\x1f\x7f]{1,255})$/;

function greet(extended: boolean): SmtpCommand {
  const verb = extended ? "EHLO" : "HELO";
  return {
    verb,
    states: ANY_COMMAND_STATE,
    outOfSequence: () => new SmtpError(Code.BAD_SEQUENCE, Status.INVALID_COMMAND, "Error: bad sequence of commands"),
    handle(s, arg) {
      const name = arg.trim();
      if (!HELO_ARG.test(name)) {
        throw new SmtpError(Code.PARAM_SYNTAX_ERROR, Status.INVALID_ARGUMENTS, `Syntax: ${verb} hostname`);
      }
      // RFC 5321 §4.1.4: EHLO/HELO in a transaction resets it.
      s.resetTransaction("EHLO");
      s.setHelo(name, extended);
      if (!extended) {
        s.reply(Code.OK, null, s.hostname);
        return "ready";
      }
      const lines = [s.hostname, "PIPELINING", `SIZE ${s.limits.maxMessageSize}`];
      if (s.canStartTls) lines.push("STARTTLS");
      // RFC 4954 §3 / RFC 8314: AUTH only once TLS protects the password.
      if (s.role.auth !== null && s.conn.tls !== null) lines.push("AUTH PLAIN LOGIN");
      lines.push("ENHANCEDSTATUSCODES", "8BITMIME", "SMTPUTF8");
      // RFC 8689 §2, §4.2.1: a client may ask for REQUIRETLS only on a session that is itself TLS,
      // so it is offered there only (after STARTTLS, or on port 465).
      if (s.conn.tls !== null) lines.push("REQUIRETLS");
      s.replyLines(Code.OK, lines);
      return "ready";
    },
  };
}

export const EHLO = greet(true);
export const HELO = greet(false);
