/** The shape of an IMAP command: the states it is allowed in and its handler (RFC 9051 §3, §6). */
import type { AuthContext } from "../auth/index.ts";
import type { MailboxRow, Store } from "../store/index.ts";
import type { Connection } from "../tls/index.ts";
import type { ParsedCommand } from "./parser/index.ts";
import type { MailboxView } from "./view.ts";

/** RFC 9051 §3: the connection states. */
export type State = "not-authenticated" | "authenticated" | "selected" | "logout";

export interface Completion {
  /** Response code for the tagged OK, without brackets (e.g. "READ-WRITE", "APPENDUID 1 2"). */
  code?: string;
  text?: string;
  /** The state after the command; omitted: unchanged. */
  next?: State;
}

export interface Account {
  id: number;
  address: string;
}

export interface ImapApi {
  readonly state: State;
  readonly conn: Connection;
  readonly store: Store;
  readonly account: Account | null;
  readonly selected: MailboxView | null;
  /** UTF8=ACCEPT enabled (RFC 6855): mailbox names and strings are UTF-8, not modified UTF-7. */
  readonly utf8: boolean;
  /** CONDSTORE enabled (RFC 7162 §3.1): flag updates carry MODSEQ. */
  readonly condstore: boolean;
  /** QRESYNC enabled (RFC 7162 §3.2): expunges are announced as VANISHED. */
  readonly qresync: boolean;
  /**
   * IMAP4rev2 enabled (RFC 9051 §6.3.1): UTF-8 mailbox names, no \Recent, SEARCH answered with
   * ESEARCH, a LIST response in SELECT, no STATUS RECENT or SEARCH RECENT/NEW/OLD.
   */
  readonly rev2: boolean;
  readonly canStartTls: boolean;
  readonly hostname: string;
  capabilities(): string[];
  /** Writes "* " + text + CRLF. */
  untagged(text: string): void;
  write(data: string | Buffer): void;
  /** Resolves when the client has taken what was written so far (long FETCH responses). */
  drained(): Promise<void>;
  authContext(): AuthContext;
  /** Checks credentials and records the attempt; on success the session is authenticated. */
  login(username: string, password: string, mechanism: string): Promise<"ok" | "credentials" | "rate-limited" | "legacy">;
  refuseLogin(username: string, mechanism: string, reason: string): void;
  /** Opens `mailbox` as the selected mailbox (SELECT/EXAMINE). */
  select(mailbox: MailboxRow, readOnly: boolean): Promise<MailboxView>;
  /** Leaves the selected mailbox without expunging (UNSELECT, and before a new SELECT). */
  unselect(): void;
  enable(capability: string): boolean;
  setClientName(name: string): void;
  /**
   * The next client line is not a command: it goes to `handler` (AUTHENTICATE responses, IDLE's
   * DONE), whose completion answers the command. Return DEFERRED from the handler that calls this.
   * With `pushUpdates`, mailbox changes are sent to the client as they happen meanwhile (IDLE).
   */
  expectLine(handler: (line: string) => Promise<Completion | Deferred> | Completion | Deferred, opts?: { pushUpdates?: boolean }): void;
  /** Sends pending untagged updates for the selected mailbox now (NOOP, IDLE, CHECK). */
  flushUpdates(allowExpunge: boolean): Promise<void>;
  /** The connection closes after this command's response. */
  closeAfterReply(reason: string): void;
  /** STARTTLS: writes the tagged OK and runs the handshake in the same tick (RFC 9051 §6.2.1). */
  startTls(tag: string): Promise<boolean>;
  /** RFC 7889: the largest message APPEND takes (imap.max_literal once signed in). */
  readonly appendLimit: number;
  /** True once COMPRESS DEFLATE is active (RFC 4978). */
  readonly compressed: boolean;
  /** COMPRESS: writes the tagged OK uncompressed, then compresses both directions (RFC 4978 §3). */
  startCompression(tag: string): void;
}

/** Returned by a handler that has answered itself, or will answer from an `expectLine` handler. */
export const DEFERRED = Object.freeze({ deferred: true } as const);
export type Deferred = typeof DEFERRED;

export interface ImapCommand {
  readonly name: string;
  readonly states: readonly State[];
  /** RFC 9051 §7.5.1: FETCH, STORE and SEARCH (by sequence number) must not be answered with EXPUNGE. */
  readonly noExpungeResponses?: boolean;
  handle(s: ImapApi, cmd: ParsedCommand): Promise<Completion | Deferred | undefined> | Completion | Deferred | undefined;
}
