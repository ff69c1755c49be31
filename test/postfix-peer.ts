/**
 * Debian's Postfix as a receiving peer for outbound tests, through `test/peers/postfix-peer.sh`:
 * each test file gets its own PEERS_DIR and free ports, so files running in parallel never meet.
 * Variants: modern (STARTTLS, TLS 1.2+), legacy (only TLS 1.0/1.1), plain (no STARTTLS). Every
 * instance accepts mail for any domain into one Maildir; its certificate names mail.peer.test and
 * is signed by the peers' CA (`ca`), which it sends along when asked to (`sendCa`, as a server that
 * publishes DANE-TA records must, RFC 7671 §5.2.2). A sender reaches every MX on one port (its
 * `remote_port`): `plainBeside` makes the plain peer listen on 127.0.0.2 at the modern peer's port
 * instead of its own, so an MX host at 127.0.0.2 is plaintext-only beside the modern one.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ROOT } from "./harness.ts";
import { freePort } from "./support/ports.ts";

export { freePort };

// A copy of ../shared/peers/postfix-peer.sh (and its common.sh), so a clean clone needs nothing beside it.
const SCRIPT = resolve(ROOT, "test/peers/postfix-peer.sh");
export type Variant = "modern" | "legacy" | "plain";

export interface PostfixPeers {
  dir: string;
  ports: Record<Variant, number>;
  /** The peers' CA certificate (PEM file). */
  ca: string;
  /** The receiving peers' certificate (PEM file). */
  cert: string;
  /** Messages in a variant's Maildir. */
  messages(v: Variant): string[];
  /** How many messages are in a variant's Maildir (without reading them). */
  count(v: Variant): number;
  /** The variant's Postfix log. */
  log(v: Variant): string;
  /** Connections the variant accepted ("connect from" lines). */
  connections(v: Variant): number;
  stop(): void;
}

/** Whether something accepts connections on `host`:`port`. */
function answers(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host, port }, () => {
      s.destroy();
      res(true);
    });
    s.once("error", () => res(false));
  });
}

export async function startPostfixPeers(variants: readonly Variant[], opts: { sendCa?: boolean; plainBeside?: boolean } = {}): Promise<PostfixPeers> {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-peers-"));
  chmodSync(dir, 0o755); // Postfix's daemons run as the postfix user and must reach their directories

  const ports = { modern: await freePort(), legacy: await freePort(), plain: await freePort() };
  const certs = join(dir, "certs");
  // The key, then the chain it heads: leaf and CA (smtpd_tls_chain_files replaces the cert and key files).
  const chain = `smtpd_tls_chain_files = ${certs}/server.key, ${certs}/server.pem, ${certs}/ca.pem; smtpd_tls_cert_file =; smtpd_tls_key_file =`;
  const extra = opts.sendCa === true ? { PF_EXTRA: chain } : {};
  const env = { ...process.env, PEERS_DIR: dir, PF_PORT_MODERN: String(ports.modern), PF_PORT_LEGACY: String(ports.legacy), PF_PORT_PLAIN: String(ports.plain), PF_PORT_SENDER: String(await freePort()), ...extra };
  const run = (args: string[]): void => {
    const r = spawnSync("bash", [SCRIPT, ...args], { env, encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0) throw new Error(`postfix-peer.sh ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  };
  const stop = (): void => {
    spawnSync("bash", [SCRIPT, "stop", "all"], { env, encoding: "utf8", timeout: 60_000 });
    rmSync(dir, { recursive: true, force: true });
  };
  const instance = (v: Variant): string => join(dir, `postfix-${v}`);
  try {
    for (const v of variants) run(["start", v]);
    if (opts.plainBeside === true) {
      // The started instance's master.cf, its listener moved; `postfix reload` rebinds it.
      const masterCf = join(instance("plain"), "etc", "master.cf");
      writeFileSync(masterCf, readFileSync(masterCf, "utf8").replace(`127.0.0.1:${ports.plain} inet`, `127.0.0.2:${ports.modern} inet`));
      const r = spawnSync("/usr/sbin/postfix", ["-c", join(instance("plain"), "etc"), "reload"], { encoding: "utf8", timeout: 60_000 });
      if (r.status !== 0) throw new Error(`postfix reload failed: ${r.stderr}`);
      const deadline = Date.now() + 10_000;
      while (!(await answers("127.0.0.2", ports.modern))) {
        if (Date.now() > deadline) throw new Error("the plain peer does not listen on 127.0.0.2");
        await new Promise((r2) => setTimeout(r2, 100));
      }
    }
  } catch (e) {
    stop();
    throw e;
  }
  const log = (v: Variant): string => {
    try {
      return readFileSync(join(instance(v), "maillog"), "utf8");
    } catch {
      return "";
    }
  };
  /** The paths of the messages in a variant's Maildir. */
  const files = (v: Variant): string[] => {
    const out: string[] = [];
    const walk = (d: string): void => {
      let entries;
      try {
        entries = readdirSync(d, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\/(new|cur)\//.test(p)) out.push(p);
      }
    };
    walk(join(instance(v), "mail"));
    return out;
  };
  return {
    dir,
    ports,
    ca: join(certs, "ca.pem"),
    cert: join(certs, "server.pem"),
    messages: (v) => files(v).map((p) => readFileSync(p, "latin1")),
    count: (v) => files(v).length,
    log,
    connections: (v) => (log(v).match(/\bconnect from /g) ?? []).length,
    stop,
  };
}
