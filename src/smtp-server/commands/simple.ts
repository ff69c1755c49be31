/** RSET, NOOP, VRFY, HELP, QUIT (RFC 5321 §4.1.1.5–§4.1.1.10). */
import { Code, Status, SmtpError } from "../../smtp/index.ts";
import type { SmtpCommand } from "../command.ts";
import { ANY_COMMAND_STATE } from "../state.ts";

const noSequenceError = (): SmtpError => new SmtpError(Code.BAD_SEQUENCE, Status.INVALID_COMMAND, "Error: bad sequence of commands");

export const RSET: SmtpCommand = {
  verb: "RSET",
  states: ANY_COMMAND_STATE,
  outOfSequence: noSequenceError,
  junk: true,
  handle(s, arg) {
    if (arg.trim() !== "") throw new SmtpError(Code.PARAM_SYNTAX_ERROR, Status.INVALID_ARGUMENTS, "Syntax: RSET");
    s.resetTransaction("RSET");
    s.reply(Code.OK, Status.OK, "Ok");
    return s.helo === null ? "greeting" : "ready";
  },
};

export const NOOP: SmtpCommand = {
  verb: "NOOP",
  states: ANY_COMMAND_STATE,
  outOfSequence: noSequenceError,
  junk: true,
  handle(s) {
    // RFC 5321 §4.1.1.9: any parameter string is ignored.
    s.reply(Code.OK, Status.OK, "Ok");
    return undefined;
  },
};

export const VRFY: SmtpCommand = {
  verb: "VRFY",
  states: ANY_COMMAND_STATE,
  outOfSequence: noSequenceError,
  junk: true,
  handle(s, arg) {
    if (arg.trim() === "") throw new SmtpError(Code.PARAM_SYNTAX_ERROR, Status.INVALID_ARGUMENTS, "Syntax: VRFY address");
    // RFC 5321 §3.5.3: 252 — no user enumeration.
    s.reply(Code.CANNOT_VRFY, Status.OK, "Cannot VRFY user, but will accept message and attempt delivery");
    return undefined;
  },
};

export const HELP: SmtpCommand = {
  verb: "HELP",
  states: ANY_COMMAND_STATE,
  outOfSequence: noSequenceError,
  junk: true,
  handle(s) {
    s.reply(Code.HELP, Status.OK, "See RFC 5321: EHLO HELO STARTTLS MAIL RCPT DATA RSET NOOP VRFY QUIT");
    return undefined;
  },
};

export const QUIT: SmtpCommand = {
  verb: "QUIT",
  states: ANY_COMMAND_STATE,
  outOfSequence: noSequenceError,
  handle(s) {
    s.reply(Code.CLOSING, Status.OK, "Bye");
    s.closeAfterReply("quit");
    return "closing";
  },
};
