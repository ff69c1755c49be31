/**
 * What the primary and its worker processes say to each other over the IPC channel
 * (`child_process.fork`): JSON messages, a connection's socket travelling with "conn".
 */
import type { LoginRow } from "../audit/index.ts";
import type { GateAdmission, LimiterSettings } from "../auth/index.ts";
import type { Refusal } from "../net/index.ts";

/** A gate's answer without its slot (the slot stays in the primary, named by the request's id). */
export type GateReply = { kind: "admitted" } | Exclude<GateAdmission, { kind: "admitted" }> | null;

export type ToWorker =
  /** The first message: the ports the primary bound, and how many workers share the total of connections. */
  | { t: "start"; ports: Array<[string, number]>; workers: number }
  /** A connection for `listener` (its socket travels with the message); `refusal`: turn it away in the protocol's words. */
  | { t: "conn"; id: number; listener: string; refusal: Refusal | null }
  /** A mailbox changed in another process (IMAP sessions with it selected send updates). */
  | { t: "changed"; mailboxId: number }
  | { t: "gate"; id: number; reply: GateReply }
  | { t: "metrics"; id: number }
  /** Read the configuration and certificates again (SIGHUP). */
  | { t: "reload" }
  /** ACME issued, renewed or removed a certificate: load the certificates the server keeps again. */
  | { t: "certificates" }
  /** SIGTERM: drain the sessions within `timeoutMs`, close the store, exit. */
  | { t: "drain"; timeoutMs: number };

export type ToPrimary =
  | { t: "ready" }
  /** The connection `id` has ended: its address's slot is free. */
  | { t: "released"; id: number }
  | { t: "changed"; mailboxId: number }
  /** A message was queued: wake the outbound runner. */
  | { t: "wake" }
  | { t: "gate-enter"; id: number; user: string; ip: string; settings: LimiterSettings; row: LoginRow }
  /** The session waiting for gate request `id` has ended. */
  | { t: "gate-abort"; id: number }
  /** How the password check of gate request `id` ended. */
  | { t: "slot"; id: number; op: "fail" | "succeed" | "release" }
  | { t: "metrics"; id: number; json: unknown }
  | { t: "reloaded"; error: string | null };
