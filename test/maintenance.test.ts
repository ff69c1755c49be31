/**
 * Maintenance windows with --pause-delivery (issue 12, "Done when" 3), against Debian's Postfix as
 * the destination: the server's clock comes from a clock file the test writes. While the window is
 * open, the MX accepts mail for the relay domain (Postfix is its next hop) into the queue and the
 * runner starts no delivery — watched for several times as long as a control message took to
 * reach Postfix before the window, and then proved by order: the message's one attempt comes after
 * the clock was moved past the window's end. The queue resumes by itself on that jump, and
 * Postfix receives the message. A window ending does not undo the operator's own `queue pause`.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually, python, startSealpost, type ServerHandle } from "./harness.ts";
import { tag } from "./outbound-helpers.ts";
import { startPostfixPeers, type PostfixPeers } from "./postfix-peer.ts";

let peers: PostfixPeers;
let h: ServerHandle;
let clockDir: string;
let clockFile: string;
/** How long the control message took from the MX's 250 to Postfix's Maildir, before any window (ms). */
let controlMs = 0;

const setClock = (iso: string): void => writeFileSync(clockFile, iso);

/** One message to the MX with Python's smtplib; returns the queue id from the 250 after DATA. */
function viaMx(to: string, subject: string): string {
  const reply = python(
    `
import os, smtplib
s = smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]), local_hostname="scanner.example.org")
s.ehlo(); s.mail("someone@example.org"); s.rcpt(os.environ["TO"])
code, msg = s.data("From: someone@example.org\\r\\nTo: %s\\r\\nSubject: %s\\r\\n\\r\\nbody\\r\\n" % (os.environ["TO"], os.environ["SUBJECT"]))
print(code, msg.decode()); s.quit()
`,
    { PORT: String(h.ports.mx), TO: to, SUBJECT: subject },
  );
  const id = /^250 .*queued as ([0-9A-F]+)/.exec(reply.trim())?.[1];
  assert.ok(id !== undefined, `the MX queued it: ${reply}`);
  return id;
}

const atPostfix = (subject: string): boolean => peers.messages("modern").some((m) => m.includes(subject));

interface Queued {
  id: string;
  status: string;
  attempts: number;
}
const queued = (id: string): Queued | undefined => (JSON.parse(h.cli(["queue", "list", "--json"]).stdout) as Queued[]).find((q) => q.id === id);
const attemptsOf = (id: string): Array<{ time: number; outcome: string }> => JSON.parse(h.cli(["queue", "log", "--json", "--id", id]).stdout) as Array<{ time: number; outcome: string }>;
const phases = (): string[] => (JSON.parse(h.cli(["maintenance", "list", "--json"]).stdout) as Array<{ phase: string }>).map((w) => w.phase);
const count = (re: RegExp): number => (h.log().match(re) ?? []).length;

/**
 * Watches message `id` for five times the control's round trip (at least 3 s): without a hold it
 * would have reached Postfix by then. Throughout, it waits in the queue untried, with `status`.
 */
async function staysQueued(id: string, subject: string, status: string): Promise<void> {
  const until = Date.now() + Math.max(3_000, 5 * controlMs);
  do {
    const q = queued(id);
    assert.equal(q?.status, status, `${id} waits in the queue as ${status}`);
    assert.equal(q?.attempts, 0, "not tried");
    assert.deepEqual(attemptsOf(id), [], "no delivery attempt");
    assert.equal(atPostfix(subject), false, "Postfix got nothing");
    await new Promise((r) => setTimeout(r, 250));
  } while (Date.now() < until);
}

before(async () => {
  peers = await startPostfixPeers(["modern"]);
  clockDir = mkdtempSync(join(tmpdir(), "sealpost-clock-"));
  clockFile = join(clockDir, "clock");
  setClock("2027-01-31T03:50:00Z");
  h = await startSealpost({
    hostname: "mx.sealpost.test",
    domains: [{ name: "local.test" }],
    settings: { queue: "min_backoff = 1\nmax_backoff = 2" },
    env: { SEALPOST_CLOCK_FILE: clockFile },
  });
  // The MX is the gateway for peer.test: its mail is queued and relayed to Postfix.
  const relay = h.cli(["relay", "add", "peer.test", "--next-hop", `[127.0.0.1]:${peers.ports.modern}`]);
  assert.equal(relay.status, 0, relay.stderr);
});

after(async () => {
  await h?.cleanup();
  peers?.stop();
  if (clockDir !== undefined) rmSync(clockDir, { recursive: true, force: true });
});

test("a window with --pause-delivery holds what the MX accepts, and delivery resumes by itself when the clock passes its end", { timeout: 180_000 }, async () => {
  // Control: before any window the same path delivers at once.
  const control = tag("control");
  const sentAt = Date.now();
  viaMx("someone@peer.test", control);
  await eventually(() => (atPostfix(control) ? true : undefined), 30_000, "the control message at Postfix");
  controlMs = Date.now() - sentAt;

  const add = h.cli(["maintenance", "add", "--from", "2027-01-31T04:00:00Z", "--to", "2027-01-31T04:30:00Z", "--pause-delivery", "--services", "mx,imap", "--message", "TLS 1.0 and 1.1 are switched off"]);
  assert.equal(add.status, 0, add.stderr);
  assert.match(add.stdout, /^added window (\d+): 2027-01-31T04:00:00\.000Z to 2027-01-31T04:30:00\.000Z, imap,mx, delivery paused \(upcoming\)$/m);
  assert.deepEqual(phases(), ["upcoming"]);

  setClock("2027-01-31T04:05:00Z");
  await eventually(() => (count(/delivery paused: maintenance window \d+ is open until 2027-01-31T04:30:00\.000Z/g) === 1 ? true : undefined), 15_000, "the pause in the log");
  assert.deepEqual(phases(), ["open"]);

  // The MX keeps accepting mail into the queue; nothing goes out.
  const subject = tag("held");
  const id = viaMx("someone@peer.test", subject);
  await staysQueued(id, subject, "queued");
  // The operator resuming by hand does not end the window's hold.
  assert.equal(h.cli(["queue", "pause"]).status, 0);
  assert.equal(h.cli(["queue", "resume"]).status, 0);
  await staysQueued(id, subject, "queued");

  const endWrittenAt = Date.now();
  setClock("2027-01-31T04:31:00Z");
  await eventually(() => (atPostfix(subject) ? true : undefined), 30_000, "the held message at Postfix");
  const tries = attemptsOf(id);
  assert.equal(tries.length, 1, "one attempt");
  assert.equal(tries[0]?.outcome, "delivered");
  assert.ok((tries[0]?.time ?? 0) >= endWrittenAt, "tried only after the clock passed the window's end");
  await eventually(() => (queued(id) === undefined ? true : undefined), 10_000, "the queue entry to go");
  assert.deepEqual(phases(), ["past"]);
  assert.equal(count(/delivery paused: maintenance window/g), 1, "the pause logged once");
  assert.equal(count(/delivery resumed: maintenance window \d+ ended/g), 1, "the resume logged once");
});

test("a window ending does not undo the operator's queue pause; `queue resume` does", { timeout: 180_000 }, async () => {
  assert.equal(h.cli(["maintenance", "add", "--from", "2027-01-31T04:40:00Z", "--to", "2027-01-31T04:50:00Z", "--pause-delivery"]).status, 0);
  assert.equal(h.cli(["queue", "pause"]).status, 0);
  setClock("2027-01-31T04:45:00Z");
  await eventually(() => (count(/delivery paused: maintenance window/g) === 2 ? true : undefined), 15_000, "the second window's pause in the log");
  const subject = tag("operator");
  const id = viaMx("someone@peer.test", subject);
  setClock("2027-01-31T04:51:00Z");
  await eventually(() => (count(/delivery resumed: maintenance window \d+ ended/g) === 2 ? true : undefined), 15_000, "the second window's end in the log");
  await staysQueued(id, subject, "held");
  assert.equal(h.cli(["queue", "resume"]).status, 0);
  await eventually(() => (atPostfix(subject) ? true : undefined), 30_000, "the message at Postfix after queue resume");
});

test("maintenance: bad input is a one-line usage error (exit status 2)", () => {
  const cases: Array<[string[], RegExp]> = [
    [["maintenance", "add", "--from", "2027-02-01T05:00", "--to", "2027-02-01T04:00"], /^sealpost: --to \(.*\) must be after --from \(.*\)\n$/],
    [["maintenance", "add", "--from", "2027-02-01T04:00", "--to", "2027-02-01T05:00", "--services", "imap,ftp"], /^sealpost: --services: unknown service "ftp"/],
    [["maintenance", "add", "--from", "2027-01-01T04:00", "--to", "2027-01-01T05:00"], /^sealpost: --to: .* is already past\n$/],
    [["maintenance", "add", "--from", "soon", "--to", "2027-02-01T05:00"], /^sealpost: --from: expected a date/],
    [["maintenance", "add", "--from", "2027-02-01T04:00", "--to", "2027-02-01T05:00", "--message", "a\nb"], /^sealpost: --message: one line/],
    [["maintenance", "delete", "999"], /^sealpost: maintenance delete: no window 999\n$/],
  ];
  for (const [args, re] of cases) {
    const r = h.cli(args);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
});
