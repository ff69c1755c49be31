/** The POP3 command table. */
import type { Pop3Command } from "../command.ts";
import { AUTH, PASS, USER } from "./auth.ts";
import { DELE, LIST, RETR, RSET, STAT, TOP, UIDL } from "./maildrop.ts";
import { CAPA, NOOP, QUIT, STLS } from "./session.ts";

export const COMMANDS: ReadonlyMap<string, Pop3Command> = new Map(
  [CAPA, STLS, USER, PASS, AUTH, QUIT, NOOP, STAT, LIST, UIDL, RETR, TOP, DELE, RSET].map((c) => [c.verb, c]),
);
