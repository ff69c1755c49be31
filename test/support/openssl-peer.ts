/**
 * Test scaffolding (the checker never uses it): `openssl s_server` on a free loopback port with a
 * throw-away RSA certificate, and sslscan's verdict on the same target for comparison.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TlsVersionName } from "../../src/tls/index.ts";

export const OPENSSL = "/usr/bin/openssl";
export const SSLSCAN = "/usr/bin/sslscan";

export interface OpensslServer {
  port: number;
  /** What s_server printed (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

export interface CertDir {
  dir: string;
  cert: string;
  key: string;
  remove(): void;
}

/** A self-signed RSA-2048 certificate for localhost in a temporary directory. */
export function makeCert(): CertDir {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-probe-"));
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  execFileSync(OPENSSL, ["req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=localhost", "-newkey", "rsa:2048", "-keyout", key, "-out", cert], { stdio: "ignore" });
  return { dir, cert, key, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts `openssl s_server -www` with `args` (e.g. ["-serverpref"]) and waits for its ACCEPT. */
export async function startOpensslServer(certs: CertDir, args: readonly string[]): Promise<OpensslServer> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const proc = spawn(OPENSSL, ["s_server", "-accept", `127.0.0.1:${port}`, "-cert", certs.cert, "-key", certs.key, "-www", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const collect = (b: Buffer): void => {
      out = (out + b.toString("latin1")).slice(-20_000);
    };
    proc.stdout.on("data", collect);
    proc.stderr.on("data", collect);
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      const check = (): void => {
        if (/^ACCEPT$/m.test(out)) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      proc.stdout.on("data", check);
      void exited.then(() => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (ready) {
      return {
        port,
        output: () => out,
        stop: async () => {
          proc.kill("SIGTERM");
          await exited;
        },
      };
    }
    proc.kill("SIGKILL");
    await exited;
    if (attempt >= 2 || !/bind|in use/i.test(out)) throw new Error(`openssl s_server ${args.join(" ")} did not start:\n${out}`);
  }
}

export interface SslscanResult {
  versions: TlsVersionName[];
  /** OpenSSL suite names per version. */
  suites: Partial<Record<TlsVersionName, string[]>>;
}

const SSLSCAN_VERSIONS: Readonly<Record<string, TlsVersionName>> = {
  SSLv2: "SSLv2", SSLv3: "SSLv3", "TLSv1.0": "TLSv1", "TLSv1.1": "TLSv1.1", "TLSv1.2": "TLSv1.2", "TLSv1.3": "TLSv1.3",
};

export const haveSslscan = existsSync(SSLSCAN);

/** Runs sslscan 2 on 127.0.0.1:port (after STARTTLS when asked) and reads its protocol and cipher lists. */
export function sslscan(port: number, starttls?: "smtp" | "imap" | "pop3"): SslscanResult {
  const r = spawnSync(SSLSCAN, [...(starttls ? [`--starttls-${starttls}`] : []), "--no-colour", "--no-heartbleed", "--no-renegotiation", "--no-compression", "--no-fallback", "--no-groups", "--no-check-certificate", `127.0.0.1:${port}`], { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`sslscan failed (${r.status}): ${r.stderr}`);
  const result: SslscanResult = { versions: [], suites: {} };
  for (const line of r.stdout.split("\n")) {
    const p = /^(SSLv[23]|TLSv1\.[0-3])\s+enabled/.exec(line);
    const pv = p?.[1] !== undefined ? SSLSCAN_VERSIONS[p[1]] : undefined;
    if (pv) result.versions.push(pv);
    const c = /^(?:Preferred|Accepted)\s+(SSLv[23]|TLSv1\.[0-3])\s+\d+ bits\s+(\S+)/.exec(line);
    const cv = c?.[1] !== undefined ? SSLSCAN_VERSIONS[c[1]] : undefined;
    if (cv && c?.[2] !== undefined) (result.suites[cv] ??= []).push(c[2]);
  }
  return result;
}
