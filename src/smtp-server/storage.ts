/**
 * Room wanted at MAIL for a message of `declared` bytes (RFC 1870 SIZE), or of the largest allowed
 * when none is declared: one and a half times it, on top of the floor — Postfix's rule
 * (smtpd_space_multf 1.5 × message_size_limit), so a transaction is not begun that would fail at
 * the end of DATA. A store without that room throws StorageFullError, which the session's error
 * table (error-table.ts) answers with 452 4.3.1.
 */
export function roomForMessage(declared: number | undefined, maxMessageSize: number): number {
  return Math.ceil(1.5 * (declared ?? maxMessageSize));
}
