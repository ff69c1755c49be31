/** STARTTLS (RFC 3207 §4): "220 Ready", then the handshake through the shared TLS transport. */
import { Code, Status, SmtpError } from "../../smtp/index.ts";
import type { SmtpCommand } from "../command.ts";

export const STARTTLS: SmtpCommand = {
  verb: "STARTTLS",
  states: ["greeting", "ready"],
  outOfSequence: () => new SmtpError(Code.BAD_SEQUENCE, Status.INVALID_COMMAND, "Error: MAIL transaction in progress"),
  handle(s, arg) {
    if (arg.trim() !== "") throw new SmtpError(Code.PARAM_SYNTAX_ERROR, Status.INVALID_ARGUMENTS, "Syntax: STARTTLS");
    if (s.conn.tls !== null) throw new SmtpError(Code.BAD_SEQUENCE, Status.INVALID_COMMAND, "Error: TLS already active");
    if (!s.canStartTls) {
      // RFC 3207 §4: 454 TLS not available due to temporary reason.
      throw new SmtpError(Code.TLS_NOT_AVAILABLE, Status.SECURITY_TEMP, "TLS not available due to local problem");
    }
    s.reply(Code.SERVICE_READY, Status.OK, "Ready to start TLS");
    return "tls";
  },
};
