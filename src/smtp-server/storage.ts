/**
 * The SMTP answer to a store without room (StorageFullError: below the free-space floor, or a
 * full disk): 452 4.3.1 "Insufficient system storage", Postfix's words — RFC 5321 §4.2.3 and
 * RFC 1870 §6.2 (452 for a temporary lack of storage), RFC 3463 §3.4 (X.3.1 mail system full).
 * A temporary reply: the client keeps the message and tries again later.
 */
import { StorageFullError } from "../store/index.ts";
import { Code, SmtpError, Status } from "../smtp/index.ts";

/** The 452 for a StorageFullError, or null for any other error. */
export function storageRefusal(e: unknown): SmtpError | null {
  if (!(e instanceof StorageFullError)) return null;
  return new SmtpError(Code.INSUFFICIENT_STORAGE, Status.MAIL_SYSTEM_FULL, "Insufficient system storage");
}

/**
 * Room wanted at MAIL for a message of `declared` bytes (RFC 1870 SIZE), or of the largest allowed
 * when none is declared: one and a half times it, on top of the floor — Postfix's rule
 * (smtpd_space_multf 1.5 × message_size_limit), so a transaction is not begun that would fail at
 * the end of DATA.
 */
export function roomForMessage(declared: number | undefined, maxMessageSize: number): number {
  return Math.ceil(1.5 * (declared ?? maxMessageSize));
}
