/**
 * Running OpenSSL-based command-line clients (openssl s_client, swaks) as old clients would:
 * a private OpenSSL config lets them offer TLS 1.0/1.1 and legacy suites whatever the system's
 * openssl.cnf says, so that a refusal is the server's doing, not the client's.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

let confPath: string | undefined;

/** An OPENSSL_CONF that allows everything down to TLS 1.0 at security level 0. */
export function permissiveOpensslConf(): string {
  if (confPath !== undefined) return confPath;
  const dir = mkdtempSync(join(tmpdir(), "sealpost-openssl-"));
  confPath = join(dir, "openssl.cnf");
  writeFileSync(
    confPath,
    [
      "openssl_conf = openssl_init",
      "[openssl_init]",
      "ssl_conf = ssl_sect",
      "[ssl_sect]",
      "system_default = system_default_sect",
      "[system_default_sect]",
      "MinProtocol = TLSv1",
      "CipherString = DEFAULT@SECLEVEL=0",
      "",
    ].join("\n"),
  );
  return confPath;
}

export interface ToolResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a program asynchronously (so several can run at once) with stdin, env and a time limit. */
export function runTool(cmd: string, args: readonly string[], opts: { input?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 20_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input ?? "");
  });
}

/** An old client's handshake: openssl s_client offering only `flag`'s version (-tls1, -tls1_1) at security level 0. */
export function oldTlsHandshake(port: number, flag: "-tls1" | "-tls1_1" = "-tls1"): Promise<ToolResult> {
  return runTool("/usr/bin/openssl", ["s_client", "-connect", `127.0.0.1:${port}`, flag, "-cipher", "DEFAULT@SECLEVEL=0"], {
    input: "",
    timeoutMs: 15_000,
    env: { OPENSSL_CONF: permissiveOpensslConf() },
  });
}
