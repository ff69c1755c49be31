/** The IMAP command table. */
import type { ImapCommand } from "../command.ts";
import { CAPABILITY, ID, LOGOUT, NOOP } from "./any.ts";
import { AUTHENTICATE, LOGIN, STARTTLS } from "./login.ts";
import { CHECK, CLOSE, ENABLE, EXAMINE, IDLE, NAMESPACE, SELECT, UNSELECT } from "./select.ts";
import { APPEND } from "./append.ts";
import { COPY, MOVE } from "./copy.ts";
import { EXPUNGE } from "./expunge.ts";
import { FETCH } from "./fetch.ts";
import { SEARCH } from "./search.ts";
import { STORE } from "./store-cmd.ts";
import { LIST, LSUB } from "./list.ts";
import { SORT } from "./sort.ts";
import { THREAD } from "./thread.ts";
import { CREATE, DELETE, RENAME, STATUS, SUBSCRIBE, UNSUBSCRIBE } from "./mailboxes.ts";
// Issue 13, quota branch: QUOTA (RFC 9208), COMPRESS (RFC 4978).
import { GETQUOTA, GETQUOTAROOT, SETQUOTA } from "./quota.ts";
import { COMPRESS } from "./compress.ts";

export const COMMANDS: ReadonlyMap<string, ImapCommand> = new Map(
  [CAPABILITY, NOOP, LOGOUT, ID, STARTTLS, LOGIN, AUTHENTICATE, SELECT, EXAMINE, CLOSE, UNSELECT, CHECK, ENABLE, NAMESPACE, IDLE,
    FETCH, STORE, SEARCH, COPY, MOVE, EXPUNGE, APPEND,
    CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, LIST, LSUB, STATUS,
    GETQUOTA, GETQUOTAROOT, SETQUOTA, COMPRESS, SORT, THREAD].map((c) => [c.name, c]),
);
