/**
 * The per-connection memory floor of Node's TLS itself, for comparison with the idle test: a bare
 * `tls.Server` (no protocol, no session state) in a child process started with the server's V8
 * flags, `count` idle TLS connections from this process, RSS after − before, per connection.
 * Whatever Sealpost's idle figure is above this is ours; this much is Node's TLSWrap and OpenSSL
 * (Node gives JS no control over OpenSSL's per-connection buffers, and native addons are out).
 */
import { execFileSync, fork } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type TLSSocket } from "node:tls";
import { SERVER_NODE_FLAGS } from "../src/cli/index.ts";
import { sleep } from "./common.ts";
import { statusKb } from "./proc-stats.ts";

export interface TlsFloor {
  open: number;
  rssPerConnKb: number;
  protocol: string | null;
}

const SERVER = `
import { createServer } from "node:tls";
import { readFileSync } from "node:fs";
const [key, cert] = process.argv.slice(2).map((p) => readFileSync(p));
const held = [];
const srv = createServer({ key, cert, minVersion: "TLSv1.2" }, (s) => { held.push(s); s.on("error", () => {}); s.write("* OK\\r\\n"); });
srv.listen(0, "127.0.0.1", () => process.send({ port: srv.address().port }));
process.on("disconnect", () => process.exit(0));
`;

export async function measureTlsFloor(count: number): Promise<TlsFloor> {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-tls-floor-"));
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  const script = join(dir, "server.mjs");
  const sockets: TLSSocket[] = [];
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-subj", "/CN=localhost", "-days", "2"], { stdio: "ignore" });
  writeFileSync(script, SERVER);
  const child = fork(script, [key, cert], { execArgv: [...SERVER_NODE_FLAGS], stdio: ["ignore", "ignore", "inherit", "ipc"] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once("message", (m) => resolve((m as { port: number }).port));
      child.once("exit", (code) => reject(new Error(`TLS floor server exited with ${code}`)));
    });
    const open = (): Promise<TLSSocket> =>
      new Promise((resolve, reject) => {
        const s = connect({ port, host: "127.0.0.1", rejectUnauthorized: false });
        s.once("data", () => resolve(s));
        s.once("error", reject);
      });
    const pid = child.pid ?? 0;
    for (let i = 0; i < 20; i++) sockets.push(await open()); // warm-up, as the idle test's server has served logins
    await sleep(1000);
    const before = statusKb(pid, "VmRSS");
    for (let i = 0; i < count; i += 32) sockets.push(...(await Promise.all(Array.from({ length: Math.min(32, count - i) }, open))));
    await sleep(3000);
    const after = statusKb(pid, "VmRSS");
    return { open: sockets.length - 20, rssPerConnKb: (after - before) / count, protocol: sockets[0]?.getProtocol() ?? null };
  } finally {
    for (const s of sockets) s.destroy();
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
