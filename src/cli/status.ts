/**
 * `sealpost status`: is this server well, from its data directory — whether something listens on
 * each enabled listener's address and port, what waits in the outbound queue, and how long each
 * certificate has left, and (with `[acme]`) how each certificate from ACME stands. Works whether
 * or not the server runs: it reads the config, the database, ACME's state and, on Linux, the
 * kernel's listening sockets (not a connection, which the audit would record: listening.ts). Exit
 * status 0 when all is well; 1 when a listener is down, a certificate is expired, unreadable or
 * has fewer than CERTIFICATE_WARN_DAYS left, or ACME fails to renew one that has, or to order one
 * at all — each said in one line with what to do.
 */
import type { Command } from "commander";
import { constants } from "node:fs";
import { access, readFile } from "node:fs/promises";
import { readOrderViews, type AcmeOrderView } from "../acme/index.ts";
import { processClock } from "../clock/index.ts";
import { loadConfig, type Config, type ListenerConfig } from "../config/index.ts";
import { httpListenerRuns } from "../server/index.ts";
import { queueSummary, type QueueSummary } from "../queue/index.ts";
import { CERTIFICATE_WARN_DAYS, certificateDaysLeft, certificateSummary } from "../tls/index.ts";
import { printJson, printTable, withStore } from "./common.ts";
import { connectProbe, isListening, listeningSockets, type ListeningSocket } from "./listening.ts";
import { versionLine } from "./version.ts";


interface ListenerStatus {
  name: string;
  address: string;
  port: number;
  /** "up": a socket listens there; "down": none (or, without /proc, refused or no answer); "unchecked": port 0 (picked at start). */
  state: "up" | "down" | "unchecked";
  error: string | null;
}

interface CertificateStatus {
  file: string;
  subject: string | null;
  sans: string[];
  notAfter: string | null;
  daysLeft: number | null;
  state: "ok" | "expiring" | "expired" | "unreadable";
  error: string | null;
}

interface Status {
  ok: boolean;
  version: string;
  hostname: string;
  dataDir: string;
  listeners: ListenerStatus[];
  queue: QueueSummary & { oldestAgeSeconds: number | null };
  certificates: CertificateStatus[];
  /** The certificates ACME keeps, as the server last wrote their state down; null when `[acme]` is off. */
  acme: AcmeOrderView[] | null;
  /** One line per problem, with what to do about it; empty when ok. */
  problems: string[];
}

/** Every listener table of the config (including ones added later), enabled ones only. */
function enabledListeners(config: Config): Array<[string, ListenerConfig]> {
  const all = Object.entries(config.listeners as unknown as Record<string, ListenerConfig>);
  return all.filter(([name, l]) => typeof l === "object" && (l.enabled || (name === "http" && httpListenerRuns(config))) && typeof l.port === "number");
}

/** `sockets`: the kernel's listening sockets (Linux), else null and a TCP connect decides. */
async function listenerStatus(name: string, l: ListenerConfig, sockets: readonly ListeningSocket[] | null): Promise<ListenerStatus> {
  if (l.port === 0) return { name, address: l.address, port: 0, state: "unchecked", error: "port 0: the server picks a free port at start" };
  const error = sockets === null ? await connectProbe(l.address, l.port) : isListening(sockets, l.address, l.port) ? null : "nothing listens there";
  return { name, address: l.address, port: l.port, state: error === null ? "up" : "down", error };
}

async function certificateStatus(file: string, keyFile: string, now: Date): Promise<CertificateStatus> {
  try {
    const s = certificateSummary(await readFile(file, "utf8"));
    // The key's contents stay unread: only whether this user (the server's, run as it) may read it.
    const keyError = await access(keyFile, constants.R_OK).then(
      () => null,
      (e: NodeJS.ErrnoException) => `cannot read its key ${keyFile} (${e.code ?? "error"})`,
    );
    const daysLeft = certificateDaysLeft(s.notAfter, now);
    const state = keyError !== null ? "unreadable" : daysLeft < 0 ? "expired" : daysLeft < CERTIFICATE_WARN_DAYS ? "expiring" : "ok";
    return { file, subject: s.subject, sans: s.sans, notAfter: s.notAfter.toISOString(), daysLeft, state, error: keyError };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const error = `cannot read it (${code ?? (e instanceof Error ? (e.message.split("\n")[0] ?? "") : String(e))})`;
    return { file, subject: null, sans: [], notAfter: null, daysLeft: null, state: "unreadable", error };
  }
}

function problemsOf(listeners: readonly ListenerStatus[], certificates: readonly CertificateStatus[], acme: readonly AcmeOrderView[]): string[] {
  const problems: string[] = [];
  const down = listeners.filter((l) => l.state === "down");
  if (down.length > 1 && down.length === listeners.filter((l) => l.state !== "unchecked").length) {
    problems.push(`no listener accepts connections (${down[0]?.error ?? "down"}): is the server running? (systemctl status sealpost; journalctl -u sealpost)`);
  } else {
    for (const l of down) problems.push(`listener ${l.name} (${l.address}:${l.port}) accepts no connections: ${l.error ?? "down"}`);
  }
  for (const c of certificates) {
    const date = c.notAfter?.slice(0, 10) ?? "";
    if (c.state === "unreadable") problems.push(`certificate ${c.file}: ${c.error ?? "cannot read it"}`);
    if (c.state === "expired") problems.push(`certificate ${c.file} expired on ${date}: clients refuse it; renew it, then: systemctl reload sealpost`);
    if (c.state === "expiring") {
      const when = c.daysLeft === 0 ? "today" : `in ${c.daysLeft} day${c.daysLeft === 1 ? "" : "s"}`;
      problems.push(`certificate ${c.file} expires ${when} (${date}): renew it, then: systemctl reload sealpost`);
    }
  }
  for (const a of acme.filter((v) => v.warning)) {
    const state = a.notAfter === null ? "could not be ordered" : `expires in ${a.daysLeft ?? 0} days (${a.notAfter.toISOString().slice(0, 10)}) and its renewal fails`;
    problems.push(`ACME certificate for ${a.names.join(", ")} ${state}: ${a.lastError ?? "no error recorded"}; fix the cause (DNS, ports 80 and 443), then: systemctl reload sealpost`);
  }
  return problems;
}

/** Gathers the status of the server whose data directory is `flags.data` (the store is opened and closed here). */
async function gatherStatus(flags: { data?: string }, now = new Date(processClock().now())): Promise<Status> {
  return withStore(flags, async (store) => {
    const config = loadConfig(store.dataDir);
    const sockets = await listeningSockets();
    const [listeners, certificates, queue, acme] = await Promise.all([
      Promise.all(enabledListeners(config).map(([name, l]) => listenerStatus(name, l, sockets))),
      Promise.all(config.tls.certificates.map((c) => certificateStatus(c.cert, c.key, now))),
      queueSummary(store.db),
      config.acme.enabled ? readOrderViews(store.dataDir, now.getTime(), config.acme.renew_before_days) : null,
    ]);
    const oldestAgeSeconds = queue.oldestCreatedAt === null ? null : Math.max(0, Math.floor((now.getTime() - queue.oldestCreatedAt) / 1000));
    const problems = problemsOf(listeners, certificates, acme ?? []);
    return {
      ok: problems.length === 0,
      version: versionLine(),
      hostname: config.hostname,
      dataDir: store.dataDir,
      listeners,
      queue: { ...queue, oldestAgeSeconds },
      certificates,
      acme,
      problems,
    };
  });
}

/** "45 s", "12 min", "3 h 20 min", "2 days 4 h". */
function age(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  const days = Math.floor(seconds / 86_400);
  return `${days} day${days === 1 ? "" : "s"} ${Math.floor((seconds % 86_400) / 3600)} h`;
}

function printStatus(s: Status): void {
  const out = process.stdout;
  out.write(`${s.version}, host ${s.hostname}, data ${s.dataDir}\n\n`);
  printTable(
    ["LISTENER", "ADDRESS", "STATE"],
    s.listeners.map((l) => [l.name, `${l.address}:${l.port}`, l.state === "up" ? "up" : `${l.state} (${l.error ?? ""})`]),
  );
  const q = s.queue;
  const oldest = q.oldestAgeSeconds === null ? "" : `, oldest queued ${age(q.oldestAgeSeconds)} ago`;
  out.write(`\nqueue: ${q.messages} message${q.messages === 1 ? "" : "s"}, ${q.recipients} recipient${q.recipients === 1 ? "" : "s"} pending${oldest}`);
  out.write(q.paused ? "; delivery paused (sealpost queue resume)\n\n" : "\n\n");
  printTable(
    ["CERTIFICATE", "SUBJECT", "NAMES", "EXPIRES", "DAYS LEFT"],
    s.certificates.map((c) => [c.file, c.subject ?? "-", c.sans.join(", "), c.notAfter?.slice(0, 10) ?? "-", c.daysLeft === null ? c.state : `${c.daysLeft}${c.state === "ok" ? "" : ` (${c.state})`}`]),
  );
  if (s.acme !== null) {
    out.write("\n");
    printTable(
      ["ACME CERTIFICATE", "STATE", "EXPIRES", "DAYS LEFT", "LAST ERROR"],
      s.acme.map((a) => [a.names.join(", "), a.phase, a.notAfter?.toISOString().slice(0, 10) ?? "-", a.daysLeft === null ? "-" : String(a.daysLeft), a.lastError ?? "-"]),
    );
  }
  out.write(s.ok ? "\nall is well\n" : `\n${s.problems.map((p) => `problem: ${p}`).join("\n")}\n`);
}

export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("listeners (does each accept connections?), queue depth, certificate days left; exit status 1 on a problem")
    .option("--json", "print the status as JSON")
    .action(async (flags: { data?: string; json?: boolean }) => {
      const status = await gatherStatus(flags);
      if (flags.json === true) printJson(status);
      else printStatus(status);
      if (!status.ok) process.exitCode = 1;
    });
}
