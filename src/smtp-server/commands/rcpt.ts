/** RCPT TO (RFC 5321 §4.1.1.3); the role decides whether the recipient is ours and allowed. */
import { Code, Status, SmtpError, isAscii, parsePathArgs } from "../../smtp/index.ts";
import type { SmtpCommand } from "../command.ts";

export const RCPT: SmtpCommand = {
  verb: "RCPT",
  states: ["mail", "rcpt"],
  outOfSequence: () => new SmtpError(Code.BAD_SEQUENCE, Status.INVALID_COMMAND, "Error: need MAIL command"),
  async handle(s, arg) {
    const tx = s.tx;
    if (tx === null) throw new SmtpError(Code.BAD_SEQUENCE, Status.INVALID_COMMAND, "Error: need MAIL command");
    if (!/^TO:/i.test(arg)) throw new SmtpError(Code.PARAM_SYNTAX_ERROR, Status.INVALID_ARGUMENTS, "Syntax: RCPT TO:<address>");
    if (tx.recipients.length >= s.limits.maxRecipients) {
      // RFC 5321 §4.5.3.1.10: 452 too many recipients; RFC 3463 X.5.3.
      throw new SmtpError(Code.INSUFFICIENT_STORAGE, Status.TOO_MANY_RECIPIENTS, "Error: too many recipients");
    }
    const { address, params } = parsePathArgs(arg.slice(3), { allowNull: false, what: "recipient" });
    const first = params.keys().next();
    if (first.done !== true) {
      throw new SmtpError(Code.PARAMS_NOT_RECOGNIZED, Status.INVALID_ARGUMENTS, `Unsupported option: ${first.value.slice(0, 20)}`);
    }
    if (!tx.smtputf8 && !isAscii(address)) {
      throw new SmtpError(Code.MAILBOX_NAME_NOT_ALLOWED, Status.NON_ASCII_ADDRESS, "Error: non-ASCII address requires SMTPUTF8");
    }
    try {
      const recipient = await s.role.checkRecipient(s, address);
      s.addRecipient(recipient);
    } catch (e) {
      if (e instanceof SmtpError) s.recordRejectedRecipient(address, e);
      throw e;
    }
    s.reply(Code.OK, Status.DEST_OK, "Ok");
    return "rcpt" as const;
  },
};
