/**
 * `[process] workers = 2` (issue 13): the primary binds the listeners and hands connections to two
 * worker processes, and what must be global stays global. Connections are handed to the worker
 * with the fewest, so two connections opened one after the other are served by different workers.
 * - an IMAP session IDLE on one worker hears of mail that the MX accepted on the other;
 * - the per-address connection limit counts every worker's connections, and a slot comes back
 *   when a connection ends, also when its worker is killed;
 * - the sign-in limits count every worker's failures;
 * - the metrics add up every worker's counts; SIGTERM ends every process.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { eventually, python, startSealpost, type ServerHandle } from "./harness.ts";
import { RawImap } from "./imap-raw.ts";

const USER = "worker-user@example.test";
const PASSWORD = "worker-password-1";
const PER_ADDRESS = 4;
const MAX_FAILURES = 3;

let h: ServerHandle;

before(async () => {
  h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [{ address: USER, password: PASSWORD }],
    settings: {
      process: "workers = 2",
      connections: `max_connections_per_ip = ${PER_ADDRESS}`,
      auth: `max_failures_per_ip = ${MAX_FAILURES}\nfailure_delay_ms = 0`,
    },
  });
});
after(async () => {
  await h.cleanup();
});

/** The worker processes of the running server (children running worker-entry.ts). */
function workerPids(): number[] {
  const r = spawnSync("pgrep", ["-P", String(h.proc.pid), "-f", "worker-entry"], { encoding: "utf8" });
  return r.stdout.split("\n").filter((l) => l.trim() !== "").map(Number);
}

function deliver(subject: string): void {
  python(`
import smtplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP("127.0.0.1", ${h.ports.mx}, timeout=20)
s.starttls(context=ctx)
s.sendmail("sender@remote.test", ["${USER}"], "From: sender@remote.test\\r\\nTo: ${USER}\\r\\nSubject: ${subject}\\r\\n\\r\\nbody\\r\\n")
s.quit()
`);
}

test("two worker processes serve; IDLE sessions on both hear of mail the MX accepted on either", async () => {
  assert.equal(workerPids().length, 2);
  const a = await RawImap.open(h.ports.imaps);
  const b = await RawImap.open(h.ports.imaps);
  try {
    for (const c of [a, b]) {
      await c.login(USER, PASSWORD);
      await c.ok("SELECT INBOX");
      c.take();
      c.send("i IDLE\r\n");
      await c.waitFor((l) => l.startsWith("+ "));
    }
    deliver("to both workers");
    // One of the two sessions is on the worker the SMTP connection was not on.
    await a.waitFor((l) => l === "* 1 EXISTS");
    await b.waitFor((l) => l === "* 1 EXISTS");
  } finally {
    a.socket.destroy();
    b.socket.destroy();
  }
});

test("the per-address connection limit counts every worker's connections, and a killed worker's come back", async () => {
  const open: RawImap[] = [];
  try {
    for (let i = 0; i < PER_ADDRESS; i++) open.push(await RawImap.openPlain(h.ports.imap));
    const refused = await RawImap.openPlain(h.ports.imap).then(
      (c) => {
        open.push(c);
        return c.lines.join("\n");
      },
      (e: unknown) => String(e),
    );
    assert.match(refused, /BYE \[UNAVAILABLE\] Too many connections from your address/);
    // A worker dies with its connections: their slots are given back, and a new worker takes its place.
    const before = workerPids();
    const victim = before[0];
    assert.ok(victim !== undefined);
    process.kill(victim, "SIGKILL");
    await eventually(() => {
      const now = workerPids();
      return now.length === 2 && !now.includes(victim) ? true : undefined;
    }, 20_000, "a new worker");
    // Half the connections were on the dead worker: as many new ones are served again.
    for (const c of open) c.socket.destroy();
    open.length = 0;
    await eventually(async () => {
      const c = await RawImap.openPlain(h.ports.imap).catch(() => null);
      if (c === null) return undefined;
      open.push(c);
      return c.lines.some((l) => l.startsWith("* OK")) ? true : undefined;
    }, 10_000, "a connection served after the kill");
    const c = await RawImap.open(h.ports.imaps);
    open.push(c);
    await c.login(USER, PASSWORD);
  } finally {
    for (const c of open) c.socket.destroy();
  }
});

test("the sign-in limits count the failures on every worker", async () => {
  // Each attempt on a new connection: the connections alternate between the workers. A user name
  // never signed in from this address answers to the address's limit (MAX_FAILURES).
  const attempt = (user: string, password: string): string =>
    python(`
import imaplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4_SSL("127.0.0.1", ${h.ports.imaps}, ssl_context=ctx)
try:
    m.login("${user}", "${password}")
    print("ok")
except imaplib.IMAP4.error as e:
    print("no", e)
`).trim();
  for (let i = 0; i < MAX_FAILURES; i++) assert.match(attempt(`guess${i}@example.test`, "wrong-password"), /^no .*AUTHENTICATIONFAILED/);
  assert.doesNotMatch(h.log(), /sign-in refused/);
  // The next attempt is refused unchecked: each worker has seen fewer than MAX_FAILURES, the gate all of them.
  assert.match(attempt("guess-next@example.test", "wrong-password"), /^no /);
  const refusal = (): boolean => h.log().split("\n").some((l) => l.includes("sign-in refused") && l.includes(`rate limited: ${MAX_FAILURES} failed logins from 127.0.0.1`));
  await eventually(() => (refusal() ? true : undefined), 5000, "the refusal in the log");
});

test("the metrics add up the workers' sign-ins", async () => {
  const r = spawnSync("curl", ["-s", `http://127.0.0.1:${h.ports.metrics}/metrics`], { encoding: "utf8" });
  const count = (result: string): number => Number(new RegExp(`^sealpost_logins_total\\{protocol="imap",result="${result}"\\} (\\d+)`, "m").exec(r.stdout)?.[1]);
  // The failures and the refusal of the test above, on both workers (a killed worker's counts go
  // with it; these came after the kill).
  assert.equal(count("failed"), MAX_FAILURES, r.stdout.split("\n").filter((l) => l.includes("logins")).join("\n"));
  assert.equal(count("throttled"), 1);
});

test("SIGTERM ends the primary and every worker", async () => {
  const pids = workerPids();
  assert.equal(pids.length, 2);
  assert.equal(await h.stop("SIGTERM"), 0);
  for (const pid of pids) {
    await eventually(() => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    }, 10_000, `worker ${pid} gone`);
  }
});
