/**
 * The idle sessions of `imap-idle.ts`, held in a process of their own so that 10,000 TLS sockets
 * and their garbage collection do not slow the process that measures the active clients' latency.
 * Forked with IPC: receives one `HoldRequest`, opens the sessions (LOGIN, SELECT, IDLE), answers
 * with a `HoldReport`, and holds them until it is killed.
 */
import { openIdleConnections } from "./imap-load.ts";

export interface HoldRequest {
  port: number;
  servername: string;
  password: string;
  mailbox: string;
  /** Session i logs in as `${prefix}${first + i % users}@${domain}`. */
  prefix: string;
  first: number;
  users: number;
  domain: string;
  count: number;
  parallel: number;
}

export interface HoldReport {
  open: number;
  failed: number;
  firstErrors: string[];
  elapsedMs: number;
  /** The TLS versions the sessions negotiated, and how many of each. */
  protocols: Record<string, number>;
}

process.once("message", (m: HoldRequest) => {
  void (async () => {
    const idle = await openIdleConnections(
      { port: m.port, servername: m.servername, password: m.password, mailbox: m.mailbox, user: (i) => `${m.prefix}${m.first + (i % m.users)}@${m.domain}` },
      m.count,
      { parallel: m.parallel, deadlineMs: 600_000 },
    );
    const report: HoldReport = { open: idle.open, failed: idle.failed, firstErrors: idle.firstErrors, elapsedMs: idle.elapsedMs, protocols: idle.protocols() };
    process.send?.(report);
  })().catch((e: unknown) => {
    process.send?.({ open: 0, failed: m.count, firstErrors: [e instanceof Error ? e.message : String(e)], elapsedMs: 0, protocols: {} } satisfies HoldReport);
  });
});
process.on("disconnect", () => process.exit(0));
