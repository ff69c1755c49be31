/**
 * USER/PASS (RFC 1939 §7) and AUTH PLAIN (RFC 5034, RFC 4616) — only over TLS (RFC 2595 §2,
 * RFC 8314 §3); before TLS they are refused with [AUTH] and recorded in the login history.
 * Failures get one reply whatever the cause (no account enumeration).
 */
import { decodePlain, legacyRefusalText } from "../../auth/index.ts";
import type { Pop3Api, Pop3Command, State } from "../command.ts";
import { Pop3Error, RespCode } from "../replies.ts";

const PLAINTEXT_REFUSED = "Plaintext authentication disallowed on non-secure (SSL/TLS) connections.";
/**
 * A right password on a legacy endpoint without a running legacy grant (issue 12): -ERR [AUTH]
 * (RFC 3206 §5, a problem with the credentials' use, not a temporary one), in words a device owner can act on.
 */
const LEGACY_REFUSED = `${legacyRefusalText(995)}.`;

function requireTls(s: Pop3Api, username: string, mechanism: string): void {
  if (s.conn.tls === null) {
    s.refuseLogin(username, mechanism, "plaintext authentication refused: no TLS");
    throw new Pop3Error(PLAINTEXT_REFUSED, { code: RespCode.AUTH });
  }
}

async function finishLogin(s: Pop3Api, username: string, password: string, mechanism: string): Promise<State> {
  const result = await s.login(username, password, mechanism);
  if (result === "ok") {
    s.ok("Logged in.");
    return "transaction";
  }
  if (result === "rate-limited") throw new Pop3Error("Too many failed logins; try again later.", { code: RespCode.LOGIN_DELAY });
  if (result === "legacy") throw new Pop3Error(LEGACY_REFUSED, { code: RespCode.AUTH });
  throw new Pop3Error("Authentication failed.", { code: RespCode.AUTH });
}

export const USER: Pop3Command = {
  verb: "USER",
  states: ["authorization"],
  handle(s, _args, raw) {
    const name = raw.trim();
    if (name === "") throw new Pop3Error("USER needs a name");
    requireTls(s, name, "USER");
    s.pendingUser = name;
    s.ok("Send your password.");
    return undefined;
  },
};

export const PASS: Pop3Command = {
  verb: "PASS",
  states: ["authorization"],
  async handle(s, _args, raw) {
    const user = s.pendingUser;
    s.pendingUser = null;
    requireTls(s, user ?? "", "USER");
    if (user === null) throw new Pop3Error("No user name given (USER first)");
    // RFC 1939 §7: the password is the rest of the line; spaces are part of it.
    return finishLogin(s, user, raw, "USER");
  },
};

export const AUTH: Pop3Command = {
  verb: "AUTH",
  states: ["authorization"],
  async handle(s, args) {
    const mechanism = (args[0] ?? "").toUpperCase();
    if (mechanism === "") {
      // The RFC 1734 listing form that some clients still probe with.
      s.write(s.conn.tls !== null ? "+OK\r\nPLAIN\r\n.\r\n" : "+OK\r\n.\r\n");
      return undefined;
    }
    requireTls(s, "", `AUTH ${mechanism}`);
    if (mechanism !== "PLAIN") throw new Pop3Error("Unsupported authentication mechanism.");
    const respond = async (line: string): Promise<State | undefined> => {
      if (line === "*") throw new Pop3Error("Authentication cancelled."); // RFC 5034 §4
      // A SaslError is -ERR [AUTH], by the session's error table.
      const creds = decodePlain(line === "=" ? "" : line);
      if (creds.authzid !== "" && creds.authzid.toLowerCase() !== creds.authcid.toLowerCase()) {
        s.refuseLogin(creds.authcid, "AUTH PLAIN", "authorization identity differs from the login");
        throw new Pop3Error("Authentication failed.", { code: RespCode.AUTH });
      }
      return finishLogin(s, creds.authcid, creds.password, "AUTH PLAIN");
    };
    const initial = args[1];
    if (initial !== undefined) return respond(initial);
    s.expectSaslResponse(respond);
    s.write("+ \r\n");
    return "sasl";
  },
};
