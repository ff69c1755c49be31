/**
 * Debian's pebble (Let's Encrypt's ACME test server, /usr/bin/pebble) for one test file: on
 * loopback ports of its own, validating challenges against the ports Sealpost listens on
 * (`httpPort` = the HTTP listener, `tlsPort` = the web listener) and resolving names through the
 * test's DNS server. Its own HTTPS certificate is made here (the Debian package ships none): a
 * test CA (the `ca_file` Sealpost trusts, as a company's private ACME CA would be) and a leaf for
 * localhost and 127.0.0.1. Its issuing root comes from its management interface.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { X509Certificate } from "node:crypto";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { generateCa } from "../../src/tls/index.ts";
import { opensslLeaf } from "../openssl-pki.ts";
import { freePort } from "../postfix-peer.ts";

export interface Pebble {
  /** The ACME directory URL ([acme] directory_url). */
  directoryUrl: string;
  /** The CA of pebble's own HTTPS certificate, as a file ([acme] ca_file). */
  caFile: string;
  /** The root pebble issues under (PEM), which the served certificates must chain to. */
  root: string;
  log(): string;
  stop(): Promise<void>;
}

interface PebbleOptions {
  /** Where pebble connects for HTTP-01 (Sealpost's [listeners.http] port). */
  httpPort: number;
  /** Where pebble connects for TLS-ALPN-01 (Sealpost's web port). */
  tlsPort: number;
  /** "127.0.0.1:PORT" of the test's DNS server. */
  dnsServer: string;
  /** The lifetime of the certificates it issues. */
  validityDays?: number;
}

/** GET over HTTPS trusting `ca`. */
function fetchText(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end();
  });
}

export async function startPebble(o: PebbleOptions): Promise<Pebble> {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-pebble-"));
  const ca = await generateCa({ name: "Pebble HTTPS test CA" });
  const leaf = opensslLeaf(ca, "/CN=localhost", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], "-sha256", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  const p = (f: string): string => join(dir, f);
  writeFileSync(p("ca.pem"), ca.certPem);
  writeFileSync(p("cert.pem"), leaf.certPem);
  writeFileSync(p("key.pem"), leaf.keyPem);
  const [listen, management] = [await freePort(), await freePort()];
  const config = {
    pebble: {
      listenAddress: `127.0.0.1:${listen}`,
      managementListenAddress: `127.0.0.1:${management}`,
      certificate: p("cert.pem"),
      privateKey: p("key.pem"),
      httpPort: o.httpPort,
      tlsPort: o.tlsPort,
      ocspResponderURL: "",
      externalAccountBindingRequired: false,
      certificateValidityPeriod: (o.validityDays ?? 90) * 86_400,
    },
  };
  writeFileSync(p("pebble.json"), JSON.stringify(config));
  let output = "";
  // Go's flags: a boolean takes its value after "=" ("-strict false" would end the flags).
  const proc: ChildProcess = spawn("/usr/bin/pebble", ["-config", p("pebble.json"), "-strict=false", "-dnsserver", o.dnsServer], {
    stdio: ["ignore", "pipe", "pipe"],
    // Every order is validated: no authorization reused from an earlier one (RFC 8555 §7.1.4 allows it; tests want each to count).
    env: { ...process.env, PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0", PEBBLE_AUTHZREUSE: "0" },
  });
  proc.stdout?.on("data", (b: Buffer) => (output += b.toString("utf8")));
  proc.stderr?.on("data", (b: Buffer) => (output += b.toString("utf8")));
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((resolve) => proc.once("exit", resolve));
      proc.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 15_000;
    while (!/Listening on: /.test(output) || !/Management interface listening/.test(output)) {
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`pebble did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const root = await fetchText(`https://127.0.0.1:${management}/roots/0`, ca.certPem);
    return { directoryUrl: `https://127.0.0.1:${listen}/dir`, caFile: p("ca.pem"), root, log: () => output, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The certificate a TLS port serves for `servername`, verified against `ca` (pebble's root) and the name; rejects otherwise. */
export function servedCertificate(port: number, servername: string, ca: string, alpn?: string[]): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: "127.0.0.1", port, servername, ca, ...(alpn === undefined ? {} : { ALPNProtocols: alpn }) }, () => {
      const cert = s.getPeerX509Certificate();
      s.destroy();
      if (cert === undefined) reject(new Error("no certificate"));
      else resolve(cert);
    });
    s.on("error", reject);
  });
}

/** `[acme]` for a data directory, against `pebble`, with `extra` lines (challenge = …). */
export function acmeSection(pebble: Pebble, extra = ""): string {
  return `enabled = true\ndirectory_url = "${pebble.directoryUrl}"\nca_file = "${pebble.caFile}"\nemail = "hostmaster@example.test"\n${extra}`;
}
