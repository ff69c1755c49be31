/**
 * MAIL FROM (RFC 5321 §4.1.1.2) with SIZE (RFC 1870 §6), BODY (RFC 6152 §2), SMTPUTF8
 * (RFC 6531 §3.4) and REQUIRETLS (RFC 8689 §2, on TLS sessions only). A store short of space
 * answers 452 4.3.1 here, before any data is sent.
 */
import { Code, Status, SmtpError, isAscii, parsePathArgs } from "../../smtp/index.ts";
import type { SmtpCommand } from "../command.ts";
import { roomForMessage } from "../storage.ts";

export const MAIL: SmtpCommand = {
  verb: "MAIL",
  states: ["ready"],
  outOfSequence: (state) =>
    state === "greeting"
      ? new SmtpError(Code.BAD_SEQUENCE, Status.INVALID_COMMAND, "Error: send HELO/EHLO first")
      : new SmtpError(Code.BAD_SEQUENCE, Status.INVALID_COMMAND, "Error: nested MAIL command"),
  async handle(s, arg) {
    if (s.role.auth !== null && s.authenticated === null) {
      // RFC 4954 §6: 530 5.7.0 Authentication required.
      throw new SmtpError(Code.AUTH_REQUIRED, Status.SECURITY, "Authentication required");
    }
    if (!/^FROM:/i.test(arg)) throw new SmtpError(Code.PARAM_SYNTAX_ERROR, Status.INVALID_ARGUMENTS, "Syntax: MAIL FROM:<address>");
    const { address, params } = parsePathArgs(arg.slice(5), { allowNull: true, what: "sender" });
    let body: "7BIT" | "8BITMIME" = "7BIT";
    let smtputf8 = false;
    let declaredSize: number | undefined;
    let requireTls = false;
    const extended = s.helo?.extended ?? false;
    for (const [key, value] of params) {
      if (!extended) throw new SmtpError(Code.PARAMS_NOT_RECOGNIZED, Status.INVALID_ARGUMENTS, "Error: parameters require EHLO");
      switch (key) {
        case "SIZE": {
          if (value === undefined || !/^\d{1,20}$/.test(value)) {
            throw new SmtpError(Code.PARAM_SYNTAX_ERROR, Status.INVALID_ARGUMENTS, "Bad message size syntax");
          }
          declaredSize = Number(value);
          if (declaredSize > s.limits.maxMessageSize) {
            // RFC 1870 §6.3: 552 when the declared size exceeds the fixed maximum.
            throw new SmtpError(Code.EXCEEDED_STORAGE, Status.MESSAGE_TOO_BIG, "Message size exceeds fixed limit");
          }
          break;
        }
        case "BODY": {
          const v = (value ?? "").toUpperCase();
          if (v !== "7BIT" && v !== "8BITMIME") {
            throw new SmtpError(Code.PARAM_SYNTAX_ERROR, Status.INVALID_ARGUMENTS, "Error: BODY must be 7BIT or 8BITMIME");
          }
          body = v;
          break;
        }
        case "SMTPUTF8":
          if (value !== undefined) throw new SmtpError(Code.PARAM_SYNTAX_ERROR, Status.INVALID_ARGUMENTS, "Error: SMTPUTF8 takes no value");
          smtputf8 = true;
          break;
        case "REQUIRETLS":
          // RFC 8689 §2: the parameter takes no value.
          if (value !== undefined) throw new SmtpError(Code.PARAM_SYNTAX_ERROR, Status.INVALID_ARGUMENTS, "Error: REQUIRETLS takes no value");
          if (s.conn.tls === null) {
            // RFC 8689 §4.2.1: "the session itself MUST employ TLS transmission" (and EHLO did not
            // offer REQUIRETLS here). RFC 3207 §4: 530 "Must issue a STARTTLS command first";
            // RFC 5248: X.7.10 encryption needed.
            throw new SmtpError(Code.STARTTLS_FIRST, Status.ENCRYPTION_NEEDED, "REQUIRETLS needs a TLS session: issue STARTTLS first");
          }
          requireTls = true;
          break;
        default:
          throw new SmtpError(Code.PARAMS_NOT_RECOGNIZED, Status.INVALID_ARGUMENTS, `Unsupported option: ${key.slice(0, 20)}`);
      }
    }
    if (!smtputf8 && !isAscii(address)) {
      // RFC 6531 §3.7.4.1: non-ASCII address without SMTPUTF8.
      throw new SmtpError(Code.MAILBOX_NAME_NOT_ALLOWED, Status.NON_ASCII_ADDRESS, "Error: non-ASCII address requires SMTPUTF8");
    }
    // RFC 1870 §6.2: 452 when the declared size (or, undeclared, the largest allowed) does not fit
    // now — a StorageFullError, which the session's error table answers with 452 4.3.1.
    await s.role.checkStorage(roomForMessage(declaredSize, s.limits.maxMessageSize));
    await s.role.checkSender(s, address);
    // RFC 8689 §4.1: the message is tagged as needing REQUIRETLS handling.
    s.beginTransaction({ from: address, body, smtputf8, declaredSize, recipients: [], ...(requireTls ? { tlsRequired: "requiretls" as const } : {}) });
    s.reply(Code.OK, Status.SENDER_OK, "Ok");
    return "mail" as const;
  },
};
