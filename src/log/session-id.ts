/**
 * Connection ids: 16 upper-case hex digits, 64 random bits (the shape of a message's queue id, so
 * an operator greps both alike), unique across restarts without a counter on disk (a busy server
 * making a million connections a day would see a repeat once in centuries). One id
 * per accepted connection (inbound) or opened connection (outbound): the log lines, TLS events,
 * login-history rows, SMTP session rows and delivery attempts of that connection all carry it.
 */
import { randomBytes } from "node:crypto";

export const SESSION_ID_PATTERN = /^[0-9A-F]{16}$/;

export function newSessionId(): string {
  return randomBytes(8).toString("hex").toUpperCase();
}
