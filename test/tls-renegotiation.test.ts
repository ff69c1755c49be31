/**
 * Client-initiated renegotiation (TLS 1.2) is refused on every TLS listener: each one would cost
 * the server a full handshake on demand (testssl.sh's secure_client_renego). Node's TLS client
 * and `openssl s_client` (its "R" command) ask for one; the server answers with a no_renegotiation
 * warning alert (RFC 5246 §7.2.2) without starting a handshake, and the clients give up the connection.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import net from "node:net";
import tls from "node:tls";
import { startSealpost, type ServerHandle } from "./harness.ts";

let h: ServerHandle;

before(async () => {
  h = await startSealpost({ domains: [{ name: "example.test" }] });
});
after(async () => {
  await h.cleanup();
});

/** Asks for a renegotiation on an established TLS 1.2 connection; resolves with what happened. */
async function renegotiate(socket: tls.TLSSocket): Promise<string> {
  return new Promise((resolve) => {
    // A refusal arrives as an alert: Node reports it as the socket's error, not to the callback.
    socket.once("error", (err: Error) => resolve(`refused: ${err.message}`));
    const started = socket.renegotiate({ rejectUnauthorized: false }, (err) => resolve(err ? `refused: ${err.message}` : "renegotiated"));
    if (!started) resolve("not started");
  });
}

/** Resolves when the connection has closed (reading on, so that its end is seen). */
function closed(socket: tls.TLSSocket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.once("close", () => resolve());
    socket.resume();
  });
}

for (const name of ["imaps", "pop3s", "submissions"] as const) {
  test(`${name}: a client-initiated renegotiation is refused and the client gives up`, async () => {
    const socket = tls.connect({ host: "127.0.0.1", port: h.ports[name], maxVersion: "TLSv1.2", rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      socket.once("secureConnect", resolve);
      socket.once("error", reject);
    });
    assert.equal(socket.getProtocol(), "TLSv1.2");
    const outcome = await renegotiate(socket);
    assert.match(outcome, /^refused: .*no renegotiation/);
    await closed(socket);
  });
}

test("mx: renegotiation after STARTTLS is refused too", async () => {
  const raw = net.connect({ host: "127.0.0.1", port: h.mxPort });
  let text = "";
  const waitFor = (re: RegExp): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (!re.test(text)) return;
        raw.off("data", onData);
        resolve();
      };
      const onData = (b: Buffer): void => {
        text += b.toString("latin1");
        check();
      };
      raw.on("data", onData);
      check();
    });
  await waitFor(/^220 /m);
  raw.write("EHLO client.test\r\n");
  await waitFor(/^250 /m);
  raw.write("STARTTLS\r\n");
  await waitFor(/^220 2\.0\.0/m);
  const socket = tls.connect({ socket: raw, maxVersion: "TLSv1.2", rejectUnauthorized: false });
  await new Promise<void>((resolve) => socket.once("secureConnect", resolve));
  const outcome = await renegotiate(socket);
  assert.match(outcome, /^refused: .*no renegotiation/);
  await closed(socket);
});

test("openssl s_client's R command gets no renegotiation on imaps", async () => {
  const child = spawn("/usr/bin/openssl", ["s_client", "-connect", `127.0.0.1:${h.ports.imaps}`, "-tls1_2"], { stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.on("error", () => undefined);
  let out = "";
  let asked = false;
  const collect = (b: Buffer): void => {
    out += b.toString("utf8");
    // s_client takes a line that is just "R" as its renegotiate command, once connected.
    if (!asked && out.includes("Sealpost IMAP ready")) {
      asked = true;
      child.stdin.write("R\n");
    }
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  const status = await new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  clearTimeout(timer);
  assert.match(out, /RENEGOTIATING/);
  assert.match(out, /no renegotiation/);
  assert.notEqual(status, null, "s_client ended by itself: it gave up after the refusal");
});
