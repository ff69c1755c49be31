/**
 * The shape every protocol's error table shares (src/imap-server, src/pop3-server,
 * src/smtp-server: `error-table.ts`): typed errors in, the protocol's reply out, the RFC that
 * specifies each reply beside it, and one reply for everything the table does not know — which
 * carries no detail, and which the session logs.
 */
interface ErrorEntry<R> {
  /** The error class (subclasses match too). */
  readonly type: abstract new (...args: never[]) => Error;
  /** Where the reply is specified, e.g. "RFC 5530 §3". */
  readonly rfc: string;
  readonly reply: (e: Error) => R;
}

/** One entry; `reply` sees the error as its own class. */
export function errorEntry<E extends Error, R>(type: abstract new (...args: never[]) => E, rfc: string, reply: (e: E) => R): ErrorEntry<R> {
  return { type, rfc, reply: reply as (e: Error) => R };
}

export class ErrorTable<R> {
  readonly entries: readonly ErrorEntry<R>[];
  /** The reply for an error the table does not know: nothing of its message reaches the client. */
  readonly internal: R;
  constructor(entries: readonly ErrorEntry<R>[], internal: R) {
    this.entries = entries;
    this.internal = internal;
  }
  /** The reply for `e` (the first entry whose class it is); `internal` when no entry knows it (the caller logs it). */
  replyFor(e: unknown): { reply: R; internal: boolean } {
    if (e instanceof Error) {
      for (const en of this.entries) if (e instanceof en.type) return { reply: en.reply(e), internal: false };
    }
    return { reply: this.internal, internal: true };
  }
}
