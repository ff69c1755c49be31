/**
 * Done-when 8: a fresh clone set up with the README's two commands runs, and Python can deliver
 * to the demo account. Clones the committed tree, runs `npm install` (from the npm cache where it
 * can) and `npm start`, reads the demo password it prints once, and delivers over STARTTLS.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, eventually, python } from "./harness.ts";

test("README: npm install && npm start from a fresh clone, then deliver to the demo account and sign in to the console as the demo admin", { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-clone-"));
  const clone = join(dir, "sealpost");
  try {
    const git = spawnSync("git", ["clone", "--quiet", "--depth", "1", `file://${ROOT}`, clone], { encoding: "utf8" });
    assert.equal(git.status, 0, git.stderr);
    const readme = readFileSync(join(clone, "README.md"), "utf8");
    assert.match(readme, /npm install && npm start/);
    assert.match(readme, /npm test/);
    const install = spawnSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: clone, encoding: "utf8", timeout: 180_000 });
    assert.equal(install.status, 0, install.stderr);
    assert.ok(existsSync(join(clone, "node_modules/.bin/node")), "the pinned Node is installed");

    const server = spawn("npm", ["start"], { cwd: clone, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let out = "";
    server.stdout.on("data", (b: Buffer) => (out += b.toString()));
    server.stderr.on("data", (b: Buffer) => (out += b.toString()));
    try {
      const password = await eventually(() => /password (\S+)/.exec(out)?.[1], 60_000, `the demo password in:\n${out}`);
      assert.equal(password.length, 20);
      await eventually(() => (/mx listening on 127\.0\.0\.1:10025/.test(out) ? true : undefined), 30_000, "the MX listener");
      const reply = python(`
import smtplib, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP("127.0.0.1", 10025, timeout=10)
s.starttls(context=ctx)
print(s.sendmail("someone@example.net", ["demo@example.test"], "Subject: fresh clone\\r\\n\\r\\nhello demo\\r\\n"))
s.quit()
`);
      assert.equal(reply.trim(), "{}");
      // The web console at https://127.0.0.1:10443/, where the printed admin account signs in (curl).
      const admin = /admin +admin@example\.test\n +password (\S+)/.exec(out)?.[1];
      assert.ok(admin !== undefined, out);
      assert.match(out, /console +https:\/\/127\.0\.0\.1:10443\//);
      await eventually(() => (/web listening on 127\.0\.0\.1:10443/.test(out) ? true : undefined), 30_000, "the web listener");
      const jar = join(dir, "cookies");
      const form = spawnSync("curl", ["-k", "-s", "-c", jar, "https://127.0.0.1:10443/login"], { encoding: "utf8", timeout: 30_000 });
      assert.match(form.stdout, /<label>Email address<input/);
      const token = /name="_csrf" value="([^"]+)"/.exec(form.stdout)?.[1] ?? "";
      const signIn = spawnSync(
        "curl",
        ["-k", "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "-b", jar, "-c", jar, "--data-urlencode", "address=admin@example.test", "--data-urlencode", `password=${admin}`, "--data-urlencode", `_csrf=${token}`, "https://127.0.0.1:10443/login"],
        { encoding: "utf8", timeout: 30_000 },
      );
      assert.equal(signIn.stdout, "303 https://127.0.0.1:10443/account");
      const page = spawnSync("curl", ["-k", "-s", "-b", jar, "https://127.0.0.1:10443/admin"], { encoding: "utf8", timeout: 30_000 });
      assert.match(page.stdout, /<h1>Administration<\/h1>/);
      // `npx sealpost` from the clone runs the bin on the pinned Node, against ./data.
      await eventually(() => {
        const report = spawnSync("npx", ["sealpost", "tls-report", "--json"], { cwd: clone, encoding: "utf8", timeout: 60_000 });
        assert.equal(report.status, 0, report.stderr);
        const parsed = JSON.parse(report.stdout) as { sessions: Array<{ tls: string }> };
        return parsed.sessions.some((s) => s.tls.startsWith("TLSv1.")) ? true : undefined;
      }, 20_000, "the TLS session in tls-report");
    } finally {
      if (server.pid !== undefined) process.kill(-server.pid, "SIGTERM");
      await new Promise((r) => server.once("exit", r));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
