/**
 * STARTTLS command injection (CVE-2011-0411; RFC 3207 §4.2, RFC 2595 §3.1, RFC 2595 §4): a
 * command sent in plaintext in the same packet as STARTTLS must be thrown away when the server
 * switches to TLS. A server that answers it inside the TLS session lets anyone on the path inject
 * commands into the encrypted session.
 *
 * The test: STARTTLS with "NOOP" (SMTP, POP3 STLS) or "c NOOP" (IMAP) pipelined in the same write,
 * the handshake; anything already received answers the injected command. Then, without waiting,
 * our own closing command (QUIT / LOGOUT), read to the end: the server handles commands in order,
 * so more replies than that one command earns (SMTP, POP3), or a reply tagged "c" (IMAP), means
 * the injected command was run — deterministic, no fixed wait (a fixed 300 ms wait was most of a
 * STARTTLS check's time in bench:check).
 */
import type { TLSSocket } from "node:tls";
import { tlsHandshake } from "./certificate.ts";
import { CheckError, connectTarget } from "./probe/index.ts";
import type { CheckOptions, StartTlsInfo, StartTlsProtocol, Target } from "./types.ts";

/** The command pipelined after STARTTLS in the same write. */
const INJECTED: Readonly<Record<StartTlsProtocol, string>> = { smtp: "NOOP", imap: "c NOOP", pop3: "NOOP" };
/** Our own command once TLS is up: the server answers it and closes. */
const CLOSING: Readonly<Record<StartTlsProtocol, string>> = { smtp: "QUIT", imap: "z LOGOUT", pop3: "QUIT" };

const MAX_REPLY_BYTES = 64 * 1024;

const NAMES: Readonly<Record<StartTlsProtocol, string>> = { smtp: "STARTTLS", imap: "STARTTLS", pop3: "STLS" };

/** Runs the injection test against a STARTTLS target. */
export async function testInjection(target: Target, opts: CheckOptions): Promise<StartTlsInfo> {
  return (await runInjectionTest(target, opts)).info;
}

export interface InjectionOutcome {
  info: StartTlsInfo;
  /** Whether the server announced STARTTLS (EHLO, CAPABILITY, CAPA); null when the dialogue did not get that far. */
  announced: boolean | null;
}

/** testInjection, plus whether STARTTLS was announced or merely accepted. */
export async function runInjectionTest(target: Target, opts: CheckOptions): Promise<InjectionOutcome> {
  const info = (i: StartTlsInfo, announced: boolean | null = null): InjectionOutcome => ({ info: i, announced });
  if (target.access === "tls") throw new Error("testInjection: the target uses implicit TLS, not STARTTLS");
  const protocol = target.access;
  const cmd = NAMES[protocol];
  let conn: Awaited<ReturnType<typeof connectTarget>>;
  try {
    conn = await connectTarget(target, opts, { pipeline: INJECTED[protocol] });
  } catch (e) {
    if (e instanceof CheckError && e.kind === "starttls-not-offered") {
      return info({ protocol, offered: false, injection: "not-tested", detail: `The server does not offer ${cmd}, so the injection test did not run.` }, false);
    }
    if (e instanceof CheckError && e.kind === "starttls-refused") {
      return info({
        protocol,
        offered: true,
        injection: "not-vulnerable",
        detail: `The server refused ${cmd} when a command followed it in the same packet, which is safe.`,
      });
    }
    throw e;
  }
  const announced = conn.starttlsOffered;
  const early =
    (conn.leftover.length > 0 ? ` It also sent ${conn.leftover.length} bytes in plaintext after its ${cmd} reply.` : "") +
    (announced === false ? ` The server does not announce ${cmd}, but accepts it.` : "");
  let secure: TLSSocket;
  try {
    secure = await tlsHandshake(conn.socket, target, opts);
  } catch (e) {
    const detail = `The TLS handshake after ${cmd} failed (${(e as Error).message}), so the injection test did not finish.${early}`;
    return info({ protocol, offered: true, injection: "not-tested", detail }, announced);
  }
  try {
    const { quiet, after } = await readInjectionReplies(secure, protocol, opts.timeoutMs);
    const transcript = quiet !== "" ? quiet : after;
    if (quiet !== "" || injectedWasAnswered(protocol, after)) {
      return info(
        {
          protocol,
          offered: true,
          injection: "vulnerable",
          detail:
            `The server answered "${INJECTED[protocol]}", sent in plaintext in the same packet as ${cmd}, inside the TLS session ` +
            `(${firstLine(transcript)}): anyone on the path can inject commands into the encrypted session (CVE-2011-0411). ` +
            `Update the server software; after ${cmd} it must discard everything the client sent before the handshake.${early}`,
        },
        announced,
      );
    }
    const detail = `A command pipelined after ${cmd} in the same packet was discarded, as it must be.${early}`;
    return info({ protocol, offered: true, injection: "not-vulnerable", detail }, announced);
  } finally {
    secure.destroy();
  }
}

/**
 * What arrived before we sent anything is `quiet`. When nothing did, our closing command and
 * everything read to the end (or the timeout) is `after`.
 */
async function readInjectionReplies(secure: TLSSocket, protocol: StartTlsProtocol, timeoutMs: number): Promise<{ quiet: string; after: string }> {
  const chunks: Buffer[] = [];
  let ended = false;
  let bytes = 0;
  let wake: (() => void) | null = null;
  const onData = (b: Buffer): void => {
    // A few replies are all the test needs; a server that floods us is cut off at 64 KiB.
    if (bytes < MAX_REPLY_BYTES) chunks.push(b.subarray(0, MAX_REPLY_BYTES - bytes));
    bytes += b.length;
    if (bytes >= MAX_REPLY_BYTES) {
      ended = true;
      secure.destroy();
    }
    wake?.();
  };
  const onEnd = (): void => {
    ended = true;
    wake?.();
  };
  secure.on("data", onData);
  secure.once("end", onEnd);
  secure.once("close", onEnd);
  const waitFor = (ms: number, until: () => boolean): Promise<void> =>
    new Promise((resolve) => {
      if (until()) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = () => {
        if (until()) done();
      };
    });
  try {
    // Let what the handshake's last read already brought in be delivered (no fixed wait).
    await new Promise<void>((r) => setImmediate(r));
    if (chunks.length > 0 || ended) return { quiet: Buffer.concat(chunks).toString("latin1"), after: "" };
    secure.write(`${CLOSING[protocol]}\r\n`);
    await waitFor(timeoutMs, () => ended);
    return { quiet: "", after: Buffer.concat(chunks).toString("latin1") };
  } finally {
    secure.off("data", onData);
    secure.off("end", onEnd);
    secure.off("close", onEnd);
  }
}

/** Whether what followed our closing command holds a reply to the injected command too. */
export function injectedWasAnswered(protocol: StartTlsProtocol, transcript: string): boolean {
  const lines = transcript.split("\r\n").filter((l) => l !== "");
  switch (protocol) {
    case "smtp": {
      // One reply (221) is ours; a reply's last line is "ddd " or "ddd" (RFC 5321 §4.2.1). Any
      // other reply — the 250 to the injected NOOP, even from a server that then hangs up — or
      // a second one means the injected command ran.
      const replies = lines.filter((l) => /^\d{3}(?: |$)/.test(l));
      return replies.length >= 2 || replies.some((l) => !l.startsWith("221"));
    }
    case "imap":
      return lines.some((l) => /^c (?:OK|NO|BAD)\b/i.test(l));
    case "pop3":
      return lines.filter((l) => /^(?:\+OK|-ERR)\b/i.test(l)).length >= 2;
  }
}

function firstLine(transcript: string): string {
  const line = transcript.split("\r\n")[0] ?? "";
  return `it replied "${line.length > 60 ? `${line.slice(0, 60)}…` : line}"`;
}
