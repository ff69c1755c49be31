/**
 * QUOTA (RFC 9208): an account with a limit is one quota root, named "" (the root a client learns
 * from GETQUOTAROOT; Dovecot calls its one "User quota"), with the one resource STORAGE (§5.1: the sum of the messages' sizes, in units of 1024 octets). The limit is
 * the administrator's (`sealpost user set ADDRESS --quota 2G`), so SETQUOTA is refused (§4.1.3
 * allows "NO - setquota error: can't set that data").
 */
import { accountUsage, type QuotaUsage } from "../../store/index.ts";
import type { ImapApi, ImapCommand } from "../command.ts";
import { no, ResponseCode } from "../errors.ts";
import { accountId } from "./mailboxes.ts";
import { formatMailbox, onlyMailboxArg } from "./util.ts";

/** The one quota root of an account (RFC 9208 §3.2). */
const QUOTA_ROOT = "";
/** RFC 9208 §5.1: STORAGE is counted in units of 1024 octets. */
const STORAGE_UNIT = 1024;

/**
 * The untagged QUOTA response (RFC 9208 §4.2.1: at least one resource), or null for an account
 * without a limit: no quota root applies to it.
 */
function quotaResponse(usage: QuotaUsage): string | null {
  if (usage.quotaBytes === null) return null;
  // Usage rounds up (a few bytes are not "0"), the limit down (it is never shown larger than it is).
  const used = Math.ceil(usage.usedBytes / STORAGE_UNIT);
  const limit = Math.floor(usage.quotaBytes / STORAGE_UNIT);
  return `QUOTA "${QUOTA_ROOT}" (STORAGE ${used} ${limit})`;
}

async function usageOf(s: ImapApi): Promise<QuotaUsage> {
  const usage = await accountUsage(s.store.db, accountId(s));
  if (usage === undefined) throw no("Account no longer exists.");
  return usage;
}

/** RFC 9208 §4.1.1: GETQUOTA quota-root. */
export const GETQUOTA: ImapCommand = {
  name: "GETQUOTA",
  states: ["authenticated", "selected"],
  async handle(s, cmd) {
    const a = cmd.args;
    a.sp();
    const root = a.astring();
    a.end();
    const response = root === QUOTA_ROOT ? quotaResponse(await usageOf(s)) : null;
    if (response === null) throw no("No such quota root.", ResponseCode.NONEXISTENT);
    s.untagged(response);
    return { text: "GETQUOTA completed." };
  },
};

/**
 * RFC 9208 §4.1.2: GETQUOTAROOT mailbox — the mailbox need not exist ("which quota root would
 * apply to a mailbox when it gets created"); every name of the account has the account's root.
 */
export const GETQUOTAROOT: ImapCommand = {
  name: "GETQUOTAROOT",
  states: ["authenticated", "selected"],
  async handle(s, cmd) {
    const name = onlyMailboxArg(s, cmd.args);
    const response = quotaResponse(await usageOf(s));
    s.untagged(`QUOTAROOT ${formatMailbox(s, name)}${response !== null ? ` "${QUOTA_ROOT}"` : ""}`);
    if (response !== null) s.untagged(response);
    return { text: "GETQUOTAROOT completed." };
  },
};

/** RFC 9208 §4.1.3: limits are set by the administrator, not over IMAP. */
export const SETQUOTA: ImapCommand = {
  name: "SETQUOTA",
  states: ["authenticated", "selected"],
  handle() {
    throw no("Quotas are set by the administrator.", ResponseCode.CANNOT);
  },
};
