/** The IMAP command table. */
import type { ImapCommand } from "../command.ts";
import { CAPABILITY, ID, LOGOUT, NOOP } from "./any.ts";
import { AUTHENTICATE, LOGIN, STARTTLS } from "./login.ts";
import { CHECK, CLOSE, ENABLE, EXAMINE, IDLE, NAMESPACE, SELECT, UNSELECT } from "./select.ts";

export const COMMANDS: ReadonlyMap<string, ImapCommand> = new Map(
  [CAPABILITY, NOOP, LOGOUT, ID, STARTTLS, LOGIN, AUTHENTICATE, SELECT, EXAMINE, CLOSE, UNSELECT, CHECK, ENABLE, NAMESPACE, IDLE].map((c) => [c.name, c]),
);
