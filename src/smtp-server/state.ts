/**
 * The SMTP server session's states (RFC 5321 §4.1.4 command order, RFC 3207 §4.2 reset after
 * STARTTLS). Each command declares where it is allowed; the session changes state in one place
 * (`Session.#transition`), from the state a handler returns.
 */
export type State =
  /** Connected, greeting sent, no EHLO/HELO yet (or reset by STARTTLS). */
  | "greeting"
  /** EHLO/HELO done, no mail transaction. */
  | "ready"
  /** MAIL accepted, no recipient yet. */
  | "mail"
  /** At least one RCPT accepted. */
  | "rcpt"
  /** Reading the DATA body. */
  | "data"
  /** TLS handshake in progress. */
  | "tls"
  /** A SASL exchange (RFC 4954 §4): the next line is the client's response, not a command. */
  | "auth"
  /** Closing: no more commands are read. */
  | "closing";

export const ANY_COMMAND_STATE: readonly State[] = ["greeting", "ready", "mail", "rcpt"];
