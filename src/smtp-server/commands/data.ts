/** DATA (RFC 5321 §4.1.1.4): 354, then the reader collects the body up to CRLF.CRLF. */
import { Code, Status, SmtpError } from "../../smtp/index.ts";
import type { SmtpCommand } from "../command.ts";

export const DATA: SmtpCommand = {
  verb: "DATA",
  states: ["rcpt"],
  outOfSequence: (state) =>
    new SmtpError(Code.BAD_SEQUENCE, Status.INVALID_COMMAND, state === "mail" ? "Error: need RCPT command" : "Error: need MAIL command"),
  handle(s, arg) {
    if (arg.trim() !== "") throw new SmtpError(Code.PARAM_SYNTAX_ERROR, Status.INVALID_ARGUMENTS, "Syntax: DATA");
    s.reply(Code.START_MAIL_INPUT, null, "End data with <CR><LF>.<CR><LF>");
    s.expectData();
    return "data";
  },
};
