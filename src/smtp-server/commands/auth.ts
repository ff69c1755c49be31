/**
 * AUTH (RFC 4954) with PLAIN (RFC 4616) and LOGIN, on roles that authenticate (submission). Only
 * after TLS: before it, AUTH is not advertised and answers 530 5.7.0 (RFC 3207 §4, RFC 8314 §3).
 * Every attempt goes to the login history; failures get one reply whatever the cause.
 */
import { decodeBase64Strict, decodePlain, legacyRefusalText, LOGIN_PASSWORD_CHALLENGE, LOGIN_USERNAME_CHALLENGE } from "../../auth/index.ts";
import { Code, Status, SmtpError } from "../../smtp/index.ts";
import type { CommandApi, SmtpCommand } from "../command.ts";
import type { State } from "../state.ts";

/**
 * A right password on a legacy endpoint without a running legacy grant (issue 12): the usual
 * 535 5.7.8 (RFC 4954 §6), in words a device owner can act on.
 */
const LEGACY_REFUSED = legacyRefusalText(465);

/** RFC 4954 §4: "*" cancels the exchange → 501. */
function cancelled(line: string): boolean {
  return line.trim() === "*";
}

function decode(line: string): string {
  try {
    return decodeBase64Strict(line).toString("utf8");
  } catch {
    throw new SmtpError(Code.PARAM_SYNTAX_ERROR, Status.SYNTAX_ERROR, "Error: invalid base64 data");
  }
}

/** The user name in an initial response, for the history of a refused attempt (the password is dropped). */
function typedUser(mechanism: string, initial: string | undefined): string {
  if (initial === undefined) return "";
  try {
    if (mechanism === "PLAIN") return decodePlain(initial).authcid;
    if (mechanism === "LOGIN") return decodeBase64Strict(initial).toString("utf8");
  } catch {
    // not decodable: nothing to record
  }
  return "";
}

async function verify(s: CommandApi, username: string, password: string, mechanism: string): Promise<State> {
  const auth = s.role.auth;
  if (auth === null) throw new SmtpError(Code.BAD_SEQUENCE, Status.INVALID_COMMAND, "Error: authentication not enabled");
  // "gone" (the session ended meanwhile) falls through to a 535 that is written nowhere.
  const outcome = await s.signingIn((signal) => auth.login(s.authContext(), username, password, mechanism, signal));
  if (outcome.ok) {
    s.setAuthenticated({ accountId: outcome.accountId, address: outcome.address });
    // RFC 4954 §6: 235 2.7.0 Authentication successful.
    s.reply(Code.AUTH_SUCCESS, Status.AUTH_OK, "Authentication successful");
    return "ready";
  }
  if (outcome.refusal === "rate-limited") {
    // RFC 4954 §6: 454 4.7.0 Temporary authentication failure (Postfix's anvil answers 4.7.0 too).
    throw new SmtpError(Code.AUTH_TEMP_FAILURE, Status.SECURITY_TEMP, "Error: too many failed logins, try again later");
  }
  // RFC 4954 §6: 535 5.7.8 Authentication credentials invalid.
  if (outcome.refusal === "legacy") throw new SmtpError(Code.AUTH_FAILED, Status.BAD_CREDENTIALS, LEGACY_REFUSED);
  throw new SmtpError(Code.AUTH_FAILED, Status.BAD_CREDENTIALS, "Error: authentication failed");
}

export const AUTH: SmtpCommand = {
  verb: "AUTH",
  states: ["greeting", "ready"],
  outOfSequence: () => new SmtpError(Code.BAD_SEQUENCE, Status.INVALID_COMMAND, "Error: MAIL transaction in progress"),
  async handle(s, arg) {
    if (s.role.auth === null) {
      // Not advertised on the MX: Postfix answers "503 5.5.1 Error: authentication not enabled".
      throw new SmtpError(Code.BAD_SEQUENCE, Status.INVALID_COMMAND, "Error: authentication not enabled");
    }
    const [mech = "", initial] = arg.trim().split(/\s+/);
    const mechanism = mech.toUpperCase();
    if (s.conn.tls === null) {
      s.role.auth.refused(s.authContext(), typedUser(mechanism, initial), `AUTH ${mechanism}`, "plaintext authentication refused: no TLS");
      throw new SmtpError(Code.AUTH_REQUIRED, Status.SECURITY, "Must issue a STARTTLS command first");
    }
    if (s.helo === null) throw new SmtpError(Code.BAD_SEQUENCE, Status.INVALID_COMMAND, "Error: send HELO/EHLO first");
    if (s.authenticated !== null) throw new SmtpError(Code.BAD_SEQUENCE, Status.INVALID_COMMAND, "Error: already authenticated");
    if (mechanism === "PLAIN") {
      const respond = async (line: string): Promise<State> => {
        if (cancelled(line)) throw new SmtpError(Code.PARAM_SYNTAX_ERROR, Status.INVALID_ARGUMENTS, "Error: authentication aborted");
        // A SaslError is 501 5.5.2, by the session's error table.
        const creds = decodePlain(line === "=" ? "" : line);
        if (creds.authzid !== "" && creds.authzid.toLowerCase() !== creds.authcid.toLowerCase()) {
          s.role.auth?.refused(s.authContext(), creds.authcid, "AUTH PLAIN", "authorization identity differs from the login");
          throw new SmtpError(Code.AUTH_FAILED, Status.BAD_CREDENTIALS, "Error: authentication failed");
        }
        return verify(s, creds.authcid, creds.password, "AUTH PLAIN");
      };
      if (initial !== undefined) return respond(initial);
      s.expectSaslResponse(respond);
      s.reply(Code.AUTH_CONTINUE, null, "");
      return "auth";
    }
    if (mechanism === "LOGIN") {
      const askPassword = (username: string) => async (line: string): Promise<State> => {
        if (cancelled(line)) throw new SmtpError(Code.PARAM_SYNTAX_ERROR, Status.INVALID_ARGUMENTS, "Error: authentication aborted");
        return verify(s, username, decode(line), "AUTH LOGIN");
      };
      const askUser = async (line: string): Promise<State> => {
        if (cancelled(line)) throw new SmtpError(Code.PARAM_SYNTAX_ERROR, Status.INVALID_ARGUMENTS, "Error: authentication aborted");
        s.expectSaslResponse(askPassword(decode(line)));
        s.reply(Code.AUTH_CONTINUE, null, LOGIN_PASSWORD_CHALLENGE);
        return "auth";
      };
      if (initial !== undefined) return askUser(initial);
      s.expectSaslResponse(askUser);
      s.reply(Code.AUTH_CONTINUE, null, LOGIN_USERNAME_CHALLENGE);
      return "auth";
    }
    throw new SmtpError(Code.PARAM_NOT_IMPLEMENTED, Status.INVALID_ARGUMENTS, "Error: unsupported authentication mechanism");
  },
};
