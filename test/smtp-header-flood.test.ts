/**
 * Issue 9, finding 1: one message whose header section is 80,000 lines of "X" (240 KB) froze every
 * protocol for 26 s. Python's smtplib sends it to the MX over STARTTLS while a second session sends
 * NOOPs back to back: every one is answered, each within the test client's usual reply deadline
 * (smtp-raw.ts, 10 s) — the frozen event loop the issue found kept the NOOP in flight waiting 26 s.
 * No round trip is timed: on a busy machine a reply may wait for the machine, not the server. Then
 * the message is read back the ways a client reads such a header — IMAP FETCH ENVELOPE and
 * HEADER.FIELDS, SEARCH HEADER for a field behind the 80,000 junk lines (finding 6: it stopped
 * matching after 10,000 fields), POP3 TOP — and every answer is right.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { python, startSealpost, type ServerHandle } from "./harness.ts";
import { RawSmtp } from "./smtp-raw.ts";

const ALICE = "alice@example.test";
const PW = "alice-password";
const JUNK_LINES = 80_000;
const MARKER = "flood-marker-7c1e";

const MESSAGE = [
  "From: Flood <flood@remote.test>",
  `Subject: ${MARKER}`,
  "X\r\n".repeat(JUNK_LINES) + `X-Hidden: ${MARKER}-hidden`,
  "",
  "body line",
  "",
].join("\r\n");

const SEND = `
import os, smtplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]), timeout=300)
s.starttls(context=ctx)
code, reply = s.ehlo()
refused = s.sendmail("flood@remote.test", [os.environ["TO"]], sys.stdin.read())
print("sent", len(refused))
s.quit()
`;

let h: ServerHandle;

before(async () => {
  h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [{ address: ALICE, password: PW }],
    // The probe's NOOPs come back to back, hundreds per delivery: not the junk the limit is for.
    settings: { smtp: "junk_command_limit = 100000" },
  });
});
after(async () => {
  await h.cleanup();
});

/** Runs Python without blocking this process's event loop (the NOOP sampler runs meanwhile). */
function pythonAsync(code: string, input: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn("python3", ["-c", code], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (b: Buffer) => (out += b.toString("utf8")));
    p.stderr.on("data", (b: Buffer) => (err += b.toString("utf8")));
    p.on("error", reject);
    p.on("close", (status) => (status === 0 ? resolve(out) : reject(new Error(`python failed (${status}):\n${err}\n${out}`))));
    p.stdin.end(input, "latin1");
  });
}

/**
 * Delivers the flood message to `to` while another session sends NOOPs back to back, from before
 * the message is sent until after its 250; how many were answered while it was being delivered.
 * Each NOOP must be answered (250) within the client's usual reply deadline, or the sampler throws.
 */
async function noopsDuringDelivery(to: string): Promise<number> {
  const probe = await RawSmtp.open(h.ports.mx);
  await probe.expect("EHLO probe.test", 250);
  let answered = 0;
  let sending = true;
  const sampler = (async () => {
    while (sending) {
      const r = await probe.command("NOOP");
      assert.equal(r.code, 250, r.raw);
      if (sending) answered++;
      await new Promise((res) => setTimeout(res, 5)); // a pace, not a measure: the machine is shared
    }
  })();
  try {
    const out = await pythonAsync(SEND, MESSAGE, { PORT: String(h.ports.mx), TO: to });
    assert.match(out, /^sent 0$/m, "every recipient accepted (250 after DATA)");
    sending = false;
    await sampler;
    // And after the delivery (the commit and whatever follows it), the probe is still answered.
    for (let i = 0; i < 3; i++) assert.equal((await probe.command("NOOP")).code, 250);
    return answered;
  } finally {
    sending = false;
    await sampler.catch(() => undefined);
    await probe.quit();
  }
}

test("while an 80,000-line header is taken in, another session's NOOPs are all answered", async () => {
  const answered = await noopsDuringDelivery(ALICE);
  assert.ok(answered >= 1, "the probe's NOOPs ran during the delivery");
});

test("the flood message reads back whole: ENVELOPE, HEADER.FIELDS, SEARCH HEADER past 10,000 fields, POP3 TOP", () => {
  const out = python(
    `
import imaplib, os, poplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["IMAPS"]), ssl_context=ctx)
m.login(os.environ["U"], os.environ["PW"])
m.select("INBOX", readonly=True)
print("hidden", m.search(None, "HEADER", "X-Hidden", os.environ["MARK"] + "-hidden")[1][0].decode())
print("absent", m.search(None, "HEADER", "X-Hidden", "not-there")[1][0].decode())
typ, data = m.fetch("1", "(ENVELOPE BODY.PEEK[HEADER.FIELDS (X-Hidden)])")
print("envelope", b" ".join(x if isinstance(x, bytes) else b" ".join(x) for x in data).decode("latin1").replace("\\r\\n", "|"))
m.logout()
p = poplib.POP3_SSL("127.0.0.1", int(os.environ["POP3S"]), context=ctx)
p.user(os.environ["U"]); p.pass_(os.environ["PW"])
resp, lines, octets = p.top(1, 0)
print("top", len(lines), lines[-2].decode("latin1"), "|", lines[-1].decode("latin1"))
p.quit()
`,
    { IMAPS: String(h.ports.imaps), POP3S: String(h.ports.pop3s), U: ALICE, PW, MARK: MARKER },
  );
  assert.match(out, /^hidden 1$/m, "SEARCH HEADER finds the field behind 80,000 junk lines");
  assert.match(out, /^absent $/m);
  assert.match(out, new RegExp(`^envelope .*ENVELOPE \\(NIL "${MARKER}" \\(\\("Flood" NIL "flood" "remote\\.test"\\)\\)`, "m"));
  assert.match(out, new RegExp(`BODY\\[HEADER\\.FIELDS \\(X-HIDDEN\\)\\] \\{\\d+\\} X-Hidden: ${MARKER}-hidden\\|\\|`, "i"));
  // The sender checks' Authentication-Results (5 lines: dkim, spf, arc, dmarc) + Received + From +
  // Subject + 80,000 junk lines + X-Hidden, then the blank line.
  assert.match(out, new RegExp(`^top ${JUNK_LINES + 4 + 4 + 5} X-Hidden: ${MARKER}-hidden \\| $`, "m"));
});
