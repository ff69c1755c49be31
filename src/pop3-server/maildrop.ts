/**
 * The maildrop of one POP3 session (RFC 1939 §8): a snapshot of the INBOX taken at login,
 * message numbers 1..n over it, deletion marks applied only in the UPDATE state. UIDL values are
 * derived from the IMAP UID and UIDVALIDITY, so they are stable and shared with IMAP's view
 * (the same format as Dovecot's default pop3_uidl_format %08Xu%08Xv).
 */
import { headerBounds } from "../mime/index.ts";
import type { MailboxSnapshot, MessageRow } from "../store/index.ts";

export class Maildrop {
  readonly mailboxId: number;
  readonly #uidvalidity: number;
  readonly #messages: readonly MessageRow[];
  readonly #deleted = new Set<number>();

  constructor(snapshot: MailboxSnapshot) {
    this.mailboxId = snapshot.mailboxId;
    this.#uidvalidity = snapshot.uidvalidity;
    this.#messages = snapshot.messages;
  }

  /** The message with number `n` (1-based), unless it does not exist or is marked deleted. */
  get(n: number): MessageRow | undefined {
    if (!Number.isInteger(n) || n < 1 || this.#deleted.has(n)) return undefined;
    return this.#messages[n - 1];
  }

  isDeleted(n: number): boolean {
    return this.#deleted.has(n);
  }

  exists(n: number): boolean {
    return Number.isInteger(n) && n >= 1 && n <= this.#messages.length;
  }

  markDeleted(n: number): void {
    this.#deleted.add(n);
  }

  reset(): void {
    this.#deleted.clear();
  }

  /** Live messages with their numbers. */
  *live(): Generator<[number, MessageRow]> {
    for (let i = 0; i < this.#messages.length; i++) {
      const m = this.#messages[i];
      if (m !== undefined && !this.#deleted.has(i + 1)) yield [i + 1, m];
    }
  }

  stat(): { count: number; size: number } {
    let count = 0;
    let size = 0;
    for (const [, m] of this.live()) {
      count++;
      size += m.size;
    }
    return { count, size };
  }

  uidl(m: MessageRow): string {
    const hex = (n: number): string => n.toString(16).toUpperCase().padStart(8, "0");
    return `${hex(m.uid)}${hex(this.#uidvalidity)}`;
  }

  deletedUids(): number[] {
    return [...this.#deleted].map((n) => this.#messages[n - 1]?.uid).filter((u): u is number => u !== undefined);
  }
}

/**
 * RFC 1939 §3: byte-stuff lines that start with "." and terminate with CRLF "." CRLF. With
 * `bodyLines`, only the header and that many body lines are kept (TOP, §7).
 */
export function stuffMessage(raw: Buffer, bodyLines?: number): Buffer {
  let text = raw;
  if (bodyLines !== undefined) {
    let end = headerBounds(raw).bodyStart; // mime's header scanner: CRLF or bare LF, an empty header too
    for (let i = 0; i < bodyLines && end < raw.length; i++) {
      const nl = raw.indexOf("\n", end);
      end = nl < 0 ? raw.length : nl + 1;
    }
    text = raw.subarray(0, end);
  }
  const parts: Buffer[] = [];
  let start = 0;
  if (text[0] === 0x2e) parts.push(Buffer.from("."));
  for (let i = text.indexOf("\n."); i >= 0; i = text.indexOf("\n.", i + 1)) {
    parts.push(text.subarray(start, i + 1), Buffer.from("."));
    start = i + 1;
  }
  parts.push(text.subarray(start));
  const endsWithNewline = text.length > 0 && text[text.length - 1] === 0x0a;
  parts.push(Buffer.from(endsWithNewline || text.length === 0 ? ".\r\n" : "\r\n.\r\n"));
  return Buffer.concat(parts);
}
