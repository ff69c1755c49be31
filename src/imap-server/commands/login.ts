/**
 * Not-authenticated state (RFC 9051 §6.2): STARTTLS, LOGIN, AUTHENTICATE (PLAIN, with SASL-IR,
 * RFC 4959). Passwords only over TLS: before it, LOGINDISABLED is advertised and LOGIN and
 * AUTHENTICATE get NO [PRIVACYREQUIRED] (RFC 9051 §6.2.3, §7.1), recorded in the login history.
 */
import { decodePlain, legacyRefusalText } from "../../auth/index.ts";
import { DEFERRED, type Completion, type ImapApi, type ImapCommand } from "../command.ts";
import { bad, ImapError, no, ResponseCode } from "../errors.ts";

/**
 * A right password on a legacy endpoint without a running legacy grant (issue 12): the usual
 * failure code (RFC 5530 §3 AUTHENTICATIONFAILED), with words a device owner can act on.
 */
const LEGACY_REFUSED = `${legacyRefusalText(993)}.`;

function requireTls(s: ImapApi, username: string, mechanism: string): void {
  if (s.conn.tls === null) {
    s.refuseLogin(username, mechanism, "plaintext authentication refused: no TLS");
    throw no("Plaintext authentication is disabled; use STARTTLS or port 993.", ResponseCode.PRIVACYREQUIRED);
  }
}

async function finishLogin(s: ImapApi, username: string, password: string, mechanism: string): Promise<Completion> {
  const result = await s.login(username, password, mechanism);
  if (result === "rate-limited") throw no("Too many failed logins; try again later.", ResponseCode.UNAVAILABLE);
  if (result === "legacy") throw no(LEGACY_REFUSED, ResponseCode.AUTHENTICATIONFAILED);
  if (result !== "ok") throw no("Authentication failed.", ResponseCode.AUTHENTICATIONFAILED);
  // RFC 9051 §6.2.3: the OK may carry the new capabilities.
  return { code: `CAPABILITY ${s.capabilities().join(" ")}`, text: "Logged in.", next: "authenticated" };
}

export const STARTTLS: ImapCommand = {
  name: "STARTTLS",
  states: ["not-authenticated"],
  async handle(s, cmd) {
    cmd.args.end();
    if (!s.canStartTls) throw bad(s.conn.tls !== null ? "TLS is already active." : "TLS is not available.");
    // RFC 9051 §6.2.1: the tagged OK, then the handshake; the client must send CAPABILITY again.
    await s.startTls(cmd.tag);
    return DEFERRED;
  },
};

export const LOGIN: ImapCommand = {
  name: "LOGIN",
  states: ["not-authenticated"],
  async handle(s, cmd) {
    const a = cmd.args;
    a.sp();
    const user = a.astring();
    a.sp();
    const password = a.astring();
    a.end();
    requireTls(s, user, "LOGIN");
    return finishLogin(s, user, password, "LOGIN");
  },
};

export const AUTHENTICATE: ImapCommand = {
  name: "AUTHENTICATE",
  states: ["not-authenticated"],
  async handle(s, cmd) {
    const a = cmd.args;
    a.sp();
    const mechanism = a.atom().toUpperCase();
    let initial: string | undefined;
    if (!a.atEnd()) {
      a.sp();
      initial = a.atom();
    }
    a.end();
    requireTls(s, "", `AUTHENTICATE ${mechanism}`);
    if (mechanism !== "PLAIN") throw no("Unsupported authentication mechanism.", ResponseCode.CANNOT);
    const respond = async (line: string): Promise<Completion> => {
      // RFC 9051 §6.2.2: "*" cancels with a BAD.
      if (line.trim() === "*") throw bad("Authentication cancelled.");
      // A SaslError is BAD, by the session's error table.
      const creds = decodePlain(line.trim() === "=" ? "" : line);
      if (creds.authzid !== "" && creds.authzid.toLowerCase() !== creds.authcid.toLowerCase()) {
        s.refuseLogin(creds.authcid, "AUTHENTICATE PLAIN", "authorization identity differs from the login");
        throw new ImapError("NO", "Authentication failed.", { code: ResponseCode.AUTHENTICATIONFAILED });
      }
      return finishLogin(s, creds.authcid, creds.password, "AUTHENTICATE PLAIN");
    };
    // RFC 4959: SASL-IR initial response ("=" for an empty one).
    if (initial !== undefined) return respond(initial);
    s.expectLine(respond);
    s.write("+ \r\n");
    return DEFERRED;
  },
};
