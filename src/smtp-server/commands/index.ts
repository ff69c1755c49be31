/** The command table: verb → handler with its allowed states. */
import type { SmtpCommand } from "../command.ts";
import { DATA } from "./data.ts";
import { EHLO, HELO } from "./ehlo.ts";
import { MAIL } from "./mail.ts";
import { RCPT } from "./rcpt.ts";
import { AUTH } from "./auth.ts";
import { HELP, NOOP, QUIT, RSET, VRFY } from "./simple.ts";
import { STARTTLS } from "./starttls.ts";

export const COMMANDS: ReadonlyMap<string, SmtpCommand> = new Map(
  [EHLO, HELO, STARTTLS, MAIL, RCPT, DATA, RSET, NOOP, VRFY, HELP, QUIT, AUTH].map((c) => [c.verb, c]),
);
