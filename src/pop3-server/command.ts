/** The shape of a POP3 command: where it is allowed, and its handler (which may return the next state). */
import type { Connection } from "../tls/index.ts";
import type { Maildrop } from "./maildrop.ts";

/** RFC 1939 §3: AUTHORIZATION → TRANSACTION → UPDATE; plus our handshake and SASL exchange states. */
export type State = "authorization" | "sasl" | "tls" | "transaction" | "closing";

export interface Pop3Api {
  readonly state: State;
  readonly conn: Connection;
  readonly canStartTls: boolean;
  readonly maildrop: Maildrop | null;
  /** The name given by USER, waiting for PASS. */
  pendingUser: string | null;
  ok(text: string): void;
  write(data: string | Buffer): void;
  /** Checks credentials (with the login history) and opens the maildrop; false on failure. */
  login(username: string, password: string, mechanism: string): Promise<"ok" | "credentials" | "rate-limited" | "legacy">;
  /** Records a login refused by policy (e.g. no TLS). */
  refuseLogin(username: string, mechanism: string, reason: string): void;
  /** The next client line goes to `handler` (SASL continuation, RFC 5034 §4). */
  expectSaslResponse(handler: (line: string) => Promise<State | undefined>): void;
  readMessage(blob: string): Promise<Buffer>;
  /** UPDATE state: removes the messages marked deleted, durably; resolves with how many were removed. */
  commitDeletions(): Promise<number>;
  closeAfterReply(reason: string): void;
}

export interface Pop3Command {
  readonly verb: string;
  readonly states: readonly State[];
  handle(s: Pop3Api, args: string[], rawArg: string): Promise<State | undefined> | State | undefined;
}
