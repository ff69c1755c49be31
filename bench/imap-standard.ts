/**
 * The standard IMAP mix (issue 13, "Speed"; the loop of imaptest's default profile): N clients
 * over implicit TLS, each with its own user and its own mailbox of about 30 messages, looping
 *
 *   LOGIN, LIST (half the loops), STATUS (half), SELECT, FETCH flags/size/bodystructure of every
 *   message, FETCH headers and bodies of some messages, STORE flags and keywords (half),
 *   STORE \Deleted + EXPUNGE of one message, APPEND (back to 30 messages), LOGOUT
 *
 * — with a new connection and a LOGIN per loop ("login" mode), or with the sessions logged in
 * once before the clock starts and kept ("kept" mode: the loop without LOGIN and LOGOUT). Only
 * tagged OKs whose responses hold what was asked for count as commands; the time to connect
 * (TCP, TLS, greeting) is not a command but is inside the measured time in login mode, and its
 * mean is reported as the setup time.
 */
import { performance } from "node:perf_hooks";
import { ImapClient, type ImapResponse } from "./imap-client.ts";
import { buildCorpus, prng } from "./imap-corpus.ts";
import { LoadTally, type ImapLoadResult, type ImapTargetOptions } from "./imap-load.ts";

/** The mailbox each user's client works in (created and filled by `prepareStandard`). */
const MAILBOX = "Standard";
/** Messages the loop keeps in it. */
const KEEP = 30;

export type StandardMode = "login" | "kept";

/** The command types of the standard mix, in loop order (LOGIN and LOGOUT only in login mode). */
export const STANDARD_TYPES: readonly string[] = ["LOGIN", "LIST", "STATUS", "SELECT", "FETCH all", "FETCH bodies", "STORE flags", "STORE \\Deleted", "EXPUNGE", "APPEND", "LOGOUT"];

/** Messages to APPEND: small and medium ones of the read mix's corpus, the same bytes for every server. */
const APPENDED = buildCorpus(60, 13).map((m) => m.crlf);

const countFetches = (r: ImapResponse): number => r.untagged.reduce((n, l) => n + (/^\* \d+ FETCH /i.test(l) ? 1 : 0), 0);

/** EXISTS from a SELECT's or EXPUNGE's untagged responses (the last one), or null. */
function exists(r: ImapResponse): number | null {
  let n: number | null = null;
  for (const l of r.untagged) {
    const m = /^\* (\d+) EXISTS/i.exec(l);
    if (m?.[1] !== undefined) n = Number(m[1]);
  }
  return n;
}

async function connect(o: ImapTargetOptions, timeoutMs: number): Promise<ImapClient> {
  return ImapClient.connect({ host: o.host ?? "127.0.0.1", port: o.port, timeoutMs, ...(o.servername !== undefined ? { servername: o.servername } : {}) });
}

/**
 * For the first `users` users: CREATE the mailbox if it is missing and APPEND until it holds
 * `KEEP` messages (each server gets the same messages from the same client). Returns ms taken.
 */
export async function prepareStandard(o: ImapTargetOptions, users: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < users; i++) {
    const client = await connect(o, 60_000);
    try {
      const login = await client.login(o.user(i), o.password);
      if (login.status !== "OK") throw new Error(`LOGIN ${o.user(i)}: ${login.status} ${login.text}`);
      await client.command(`CREATE ${MAILBOX}`); // NO if it exists: fine
      const sel = await client.command(`SELECT ${MAILBOX}`);
      if (sel.status !== "OK") throw new Error(`SELECT ${MAILBOX}: ${sel.status} ${sel.text}`);
      for (let n = exists(sel) ?? 0, k = i; n < KEEP; n++, k++) {
        const r = await client.append(MAILBOX, n % 3 === 0 ? "\\Seen" : "", APPENDED[k % APPENDED.length] ?? Buffer.from("Subject: x\r\n\r\nx\r\n"));
        if (r.status !== "OK") throw new Error(`APPEND: ${r.status} ${r.text}`);
      }
    } finally {
      await client.close();
    }
  }
  return performance.now() - t0;
}

export interface StandardOptions extends ImapTargetOptions {
  clients: number;
  durationMs: number;
  mode: StandardMode;
  /** PRNG seed (each client derives its own); default: the runs so far, as the read mix does. */
  seed?: number;
  commandTimeoutMs?: number;
}

/** One command of the loop: what it checks in a tagged OK's response (null: as expected). */
type Check = (r: ImapResponse) => string | null;
const ok: Check = () => null;

let runCount = 0;

/** Runs the standard mix from `clients` clients for `durationMs`. */
export async function runStandardLoad(o: StandardOptions): Promise<ImapLoadResult> {
  const seed = o.seed ?? ++runCount;
  const timeoutMs = o.commandTimeoutMs ?? 30_000;
  const tally = new LoadTally(STANDARD_TYPES);
  /** Connect (and, in kept mode, LOGIN, untimed): the session's client, or null after an error. */
  const open = async (i: number, login: boolean): Promise<ImapClient | null> => {
    const t0 = performance.now();
    try {
      const client = await connect(o, timeoutMs);
      tally.session(performance.now() - t0, client.protocol);
      if (login) {
        const r = await client.login(o.user(i), o.password);
        if (r.status !== "OK") {
          client.destroy();
          throw new Error(`LOGIN ${o.user(i)}: ${r.status} ${r.text}`);
        }
      }
      return client;
    } catch (e) {
      tally.error(`session: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  };
  /** Sends one timed command; its response (a NO or BAD counted as an error), or null when the connection is gone. */
  const timed = async (client: ImapClient, type: string, send: () => Promise<ImapResponse>, check: Check, what: string): Promise<ImapResponse | null> => {
    const t0 = performance.now();
    try {
      const r = await send();
      tally.answered(type, performance.now() - t0, r, r.status !== "OK" ? `${r.status} ${r.text}` : check(r), what);
      return r;
    } catch (e) {
      tally.failed(type, `${what}: ${e instanceof Error ? e.message : String(e)}`);
      client.destroy();
      return null;
    }
  };

  const kept = o.mode === "kept";
  const ready: Array<ImapClient | null> = kept ? await Promise.all(Array.from({ length: o.clients }, (_, i) => open(i, true))) : [];
  if (kept && ready.every((c) => c === null)) throw new Error(`no session could be opened: ${tally.firstErrors.join(" | ")}`);
  tally.start();
  const deadline = tally.started + o.durationMs;

  /** One loop on a connected client; false when the connection broke. */
  const iteration = async (i: number, client: ImapClient, rnd: () => number, appendSeq: { k: number }): Promise<boolean> => {
    const cmd = (type: string, text: string, check: Check = ok): Promise<ImapResponse | null> => timed(client, type, () => client.command(text), check, text);
    if (!kept && (await cmd("LOGIN", `LOGIN ${ImapClient.quote(o.user(i))} ${ImapClient.quote(o.password)}`)) === null) return false;
    if (rnd() < 0.5 && (await cmd("LIST", 'LIST "" "*"', (r) => (r.untagged.some((l) => /^\* LIST /i.test(l)) ? null : "no * LIST"))) === null) return false;
    if (rnd() < 0.5 && (await cmd("STATUS", "STATUS INBOX (MESSAGES UIDNEXT UNSEEN)", (r) => (r.untagged.some((l) => /^\* STATUS /i.test(l)) ? null : "no * STATUS"))) === null) return false;
    const sel = await cmd("SELECT", `SELECT ${MAILBOX}`, (r) => (exists(r) !== null ? null : "no EXISTS"));
    if (sel === null) return false;
    let n = exists(sel) ?? 0;
    if (n > 0) {
      const want = n;
      if ((await cmd("FETCH all", "FETCH 1:* (FLAGS RFC822.SIZE BODYSTRUCTURE)", (r) => (countFetches(r) >= want ? null : `${countFetches(r)} FETCH responses, expected ${want}`))) === null) return false;
      const a = 1 + Math.floor(rnd() * n);
      const b = 1 + Math.floor(rnd() * n);
      const set = a === b ? `${a}` : `${Math.min(a, b)},${Math.max(a, b)}`;
      if ((await cmd("FETCH bodies", `FETCH ${set} (BODY.PEEK[HEADER] BODY.PEEK[TEXT])`, (r) => (r.literalBytes > 0 ? null : "no literal"))) === null) return false;
      if (rnd() < 0.5) {
        const m = 1 + Math.floor(rnd() * n);
        const sign = rnd() < 0.5 ? "+" : "-";
        if ((await cmd("STORE flags", `STORE ${m} ${sign}FLAGS (\\Flagged $Work)`)) === null) return false;
      }
      const d = 1 + Math.floor(rnd() * n);
      if ((await cmd("STORE \\Deleted", `STORE ${d} +FLAGS.SILENT (\\Deleted)`)) === null) return false;
      const ex = await cmd("EXPUNGE", "EXPUNGE", (r) => (r.untagged.some((l) => /^\* \d+ EXPUNGE/i.test(l)) ? null : "nothing expunged"));
      if (ex === null) return false;
      n -= ex.untagged.filter((l) => /^\* \d+ EXPUNGE/i.test(l)).length;
    }
    for (; n < KEEP; n++) {
      const msg = APPENDED[appendSeq.k++ % APPENDED.length] ?? Buffer.from("Subject: x\r\n\r\nx\r\n");
      const flags = rnd() < 0.5 ? "\\Seen" : "";
      if ((await timed(client, "APPEND", () => client.append(MAILBOX, flags, msg), ok, "APPEND")) === null) return false;
    }
    if (!kept) {
      if ((await cmd("LOGOUT", "LOGOUT")) === null) return false;
      client.destroy();
    }
    return true;
  };

  const loop = async (i: number): Promise<void> => {
    const rnd = prng(seed * 7919 + i * 104_729);
    const appendSeq = { k: i * 7 };
    let client: ImapClient | null = kept ? (ready[i] ?? null) : null;
    while (performance.now() < deadline) {
      if (client === null) {
        if (kept) await new Promise((r) => setTimeout(r, 200));
        if (performance.now() >= deadline) break;
        client = await open(i, kept);
        if (client === null) {
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
      }
      const alive = await iteration(i, client, rnd, appendSeq);
      if (!alive || !kept) client = null;
    }
    if (client !== null) await client.close();
  };
  await Promise.all(Array.from({ length: o.clients }, (_, i) => loop(i)));
  return tally.result();
}
