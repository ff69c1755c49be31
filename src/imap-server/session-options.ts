/** What an IMAP session is started with: its connection, store, sign-in, limits and logger. */
import type { Authenticator } from "../auth/index.ts";
import type { Logger } from "../log/index.ts";
import type { Store } from "../store/index.ts";
import type { Connection } from "../tls/index.ts";

/**
 * The largest literal before login: enough for LOGIN's user name and password and ID's values.
 * A client that has not signed in cannot make the server hold `max_literal` (50 MiB) per
 * connection; Dovecot's imap-login keeps a client to 8 KiB the same way (IMAP_LOGIN_MAX_LINE_LENGTH).
 */
export const PRE_LOGIN_MAX_LITERAL = 8 * 1024;

export interface ImapLimits {
  /** RFC 9051 §5.4: at least 30 minutes once authenticated. */
  idleTimeoutMs: number;
  /** From connecting to LOGIN/AUTHENTICATE, and for each command before it. */
  loginTimeoutMs: number;
  /** Bytes per second that extend a deadline (a literal's upload). */
  minDataRate: number;
  maxLiteral: number;
  maxBadCommands: number;
}

export interface ImapSessionOptions {
  conn: Connection;
  store: Store;
  auth: Authenticator;
  hostname: string;
  limits: ImapLimits;
  tlsAvailable: boolean;
  /** The connection's logger (src/net/listener.ts binds its session id, protocol and client). */
  log: Logger;
  onClosed: () => void;
}
