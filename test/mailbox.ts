/**
 * Reading what the server stored, from a test: mailbox contents through the store (SQLite in WAL,
 * safe to read while the server runs) and the TLS audit through `sealpost tls-report --json`.
 */
import { listAccounts } from "../src/directory/index.ts";
import { listMessages } from "../src/store/index.ts";
import type { TlsReport } from "../src/audit/index.ts";
import { eventually, type ServerHandle } from "./harness.ts";
import { openDataDir } from "./support/postgres.ts";

/** The raw bytes of every message in `address`'s INBOX, by UID. */
export async function readMailbox(dataDir: string, address: string): Promise<Buffer[]> {
  const store = await openDataDir(dataDir);
  try {
    const acct = (await listAccounts(store.db)).find((a) => a.address === address.toLowerCase());
    if (acct === undefined) throw new Error(`no account ${address}`);
    const msgs = await listMessages(store.db, acct.id);
    const out: Buffer[] = [];
    for (const m of msgs) out.push(await store.blobs.read(m.blob));
    return out;
  } finally {
    await store.close();
  }
}

/** The INBOX as strings (latin1 keeps every byte), for marker searches. */
export async function readMailboxText(dataDir: string, address: string): Promise<string[]> {
  return (await readMailbox(dataDir, address)).map((b) => b.toString("latin1"));
}

/** Waits until a message containing `marker` is in the INBOX and returns it. */
export async function waitForMessage(dataDir: string, address: string, marker: string, timeoutMs = 5000): Promise<Buffer> {
  return eventually(
    async () => (await readMailbox(dataDir, address)).find((b) => b.includes(marker)),
    timeoutMs,
    `a message with ${marker} for ${address}`,
  );
}

/** The first header field of `text` from `at` (up to the first CRLF not followed by folding whitespace), and where the next begins. */
function fieldFrom(text: string, at: number): { field: string; end: number } {
  const m = /\r\n(?![ \t])/.exec(text.slice(at));
  if (m === null) throw new Error("unterminated header field");
  const end = at + m.index + 2;
  return { field: text.slice(at, end), end };
}

/**
 * Splits a stored message into the fields the server prepended — the DKIM-Signature fields of
 * submitted mail that was also queued (signed as it went into the queue, issue 15), the MX's
 * Authentication-Results (its sender checks; "" when they are off or the message came another
 * way), then its Received header — and the rest.
 */
export function splitReceived(stored: Buffer): { received: string; authResults: string; signatures: string[]; rest: Buffer } {
  const text = stored.toString("latin1");
  let at = 0;
  const signatures: string[] = [];
  while (text.startsWith("DKIM-Signature: ", at)) {
    const { field, end } = fieldFrom(text, at);
    signatures.push(field);
    at = end;
  }
  let authResults = "";
  if (text.startsWith("Authentication-Results: ", at)) ({ field: authResults, end: at } = fieldFrom(text, at));
  if (!text.startsWith("Received: ", at)) throw new Error(`stored message does not start with Received: ${JSON.stringify(text.slice(at, at + 80))}`);
  const { field: received, end } = fieldFrom(text, at);
  return { received, authResults, signatures, rest: stored.subarray(end) };
}

/** `sealpost tls-report --json` against the handle's data directory. */
export function tlsReport(h: ServerHandle, days = 1): TlsReport {
  const r = h.cli(["tls-report", "--days", String(days), "--json"]);
  if (r.status !== 0) throw new Error(`tls-report failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as TlsReport;
}

/** Polls the TLS report until `pick` finds something (audit rows are written within ~200 ms). */
export async function eventuallyInReport<T>(h: ServerHandle, pick: (r: TlsReport) => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  return eventually(() => pick(tlsReport(h)), timeoutMs, what);
}
