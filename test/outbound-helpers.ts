/**
 * What the outbound end-to-end tests share: a sending Sealpost whose DNS is a local test server,
 * submission through nodemailer (a real client), and reading the outbound side's records.
 */
import { randomBytes } from "node:crypto";
import nodemailer, { type SMTPTransportOptions } from "nodemailer";
import type { OutboundDomainReport } from "../src/outbound/index.ts";
import { eventually, startSealpost, type ServerHandle, type StartOptions } from "./harness.ts";
import { readMailboxText } from "./mailbox.ts";

export const tag = (what: string): string => `${what}-${randomBytes(5).toString("hex")}`;

export interface Sender {
  h: ServerHandle;
  address: string;
  password: string;
}

/** A Sealpost that sends: account sender@local.test, DNS at `dns`, short retries. */
export async function startSender(opts: { dns: string; remotePort?: number; ca?: string; queue?: string; delivery?: string; hostname?: string; settings?: StartOptions["settings"]; env?: Record<string, string> }): Promise<Sender> {
  const password = `pw-${randomBytes(6).toString("hex")}`;
  const address = "sender@local.test";
  const delivery = [opts.remotePort !== undefined ? `remote_port = ${opts.remotePort}` : "", opts.ca !== undefined ? `ca_file = "${opts.ca}"` : "", opts.delivery ?? ""].filter((l) => l !== "").join("\n");
  const settings: NonNullable<StartOptions["settings"]> = {
    dns: `servers = ["${opts.dns}"]\ntimeout_ms = 2000`,
    queue: opts.queue ?? "min_backoff = 1\nmax_backoff = 2",
    // The DNS server runs in the test process, which waits while a test's Python (a blocking child)
    // sends to this MX: the MX's sender checks would wait out their deadline. They have their own
    // tests (inbound-auth*.test.ts).
    smtp: "authentication = false",
    ...opts.settings,
  };
  if (delivery !== "") settings.delivery = delivery;
  const h = await startSealpost({ hostname: opts.hostname ?? "out.sealpost.test", domains: [{ name: "local.test" }], users: [{ address, password }], settings, ...(opts.env !== undefined ? { env: opts.env } : {}) });
  return { h, address, password };
}

function transport(s: Sender): ReturnType<typeof create> {
  return create({ host: "127.0.0.1", port: s.h.ports.submission, secure: false, requireTLS: true, name: "client.local.test", tls: { rejectUnauthorized: false }, auth: { user: s.address, pass: s.password } });
}
function create(o: SMTPTransportOptions) {
  return nodemailer.createTransport(o);
}

/** Submits one message (nodemailer, STARTTLS, AUTH) and returns the queue id from the 250 reply. */
export async function submit(s: Sender, to: string[], subject: string, text = `body of ${subject}`): Promise<string> {
  const t = transport(s);
  try {
    const info = await t.sendMail({ from: s.address, to, subject, text });
    const m = /queued as ([0-9A-F.]+)/.exec(info.response);
    if (m?.[1] === undefined) throw new Error(`unexpected reply: ${info.response}`);
    return m[1];
  } finally {
    t.close();
  }
}

/** The outbound section of `sealpost tls-report --json` for one domain. */
export async function outboundOf(s: Sender, domain: string): Promise<OutboundDomainReport | undefined> {
  const r = await s.h.cliAsync(["tls-report", "--json"]);
  if (r.status !== 0) throw new Error(r.stderr);
  return (JSON.parse(r.stdout) as { outbound: OutboundDomainReport[] }).outbound.find((d) => d.domain === domain);
}

export interface QueueShow {
  id: string;
  allRecipients: Array<{ address: string; status: string; attempts: number; lastReply: string | null }>;
  attempts: Array<{ outcome: string; tlsVersion: string | null; tlsCipher: string | null; certVerdict: string | null; policyLevel: string; policySource: string; problem: { kind: string } | null; mxHost: string | null }>;
}

/** `sealpost queue show ID --json`, or undefined once the message left the queue. */
export async function queueShow(s: Sender, id: string): Promise<QueueShow | undefined> {
  const r = await s.h.cliAsync(["queue", "show", id, "--json"]);
  if (r.status !== 0) return undefined;
  return JSON.parse(r.stdout) as QueueShow;
}

export async function queueIds(s: Sender): Promise<string[]> {
  const r = await s.h.cliAsync(["queue", "list", "--json"]);
  if (r.status !== 0) throw new Error(r.stderr);
  return (JSON.parse(r.stdout) as Array<{ id: string }>).map((q) => q.id);
}

/** Waits for the DSN about `subject` in the sender's INBOX and returns its text. */
export async function waitForBounce(s: Sender, subject: string, timeoutMs = 20_000): Promise<string> {
  return eventually(
    async () => (await readMailboxText(s.h.dataDir, s.address)).find((m) => m.includes("multipart/report") && m.includes(subject)),
    timeoutMs,
    `a bounce about ${subject}`,
  );
}

export interface Attempt {
  queueId: string;
  domain: string;
  mxHost: string | null;
  outcome: string;
  starttlsOffered: boolean | null;
  tlsVersion: string | null;
  tlsCipher: string | null;
  certVerdict: string | null;
  policyLevel: string;
  policySource: string;
  reply: string | null;
  problem: ({ kind: string } & Record<string, unknown>) | null;
}

/** `sealpost queue log --json`, optionally for one message. */
export async function attempts(s: Sender, id?: string): Promise<Attempt[]> {
  const r = await s.h.cliAsync(["queue", "log", "--json", ...(id !== undefined ? ["--id", id] : [])]);
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Attempt[];
}
