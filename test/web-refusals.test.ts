/**
 * The web console refuses what it must, checked with curl and openssl s_client (issue 11):
 * a wrong password and an unknown account get the same page; a POST without a CSRF token, or
 * without the cookie the token belongs to, is refused; an expired session and one ended by a
 * password change send the browser back to the sign-in page; a user cannot open /admin or a domain
 * page; TLS 1.0 and 1.1 are refused on the web port and recorded with the version offered; every
 * page carries the security headers; port 80 only redirects to HTTPS.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HistoryEntry } from "../src/audit/index.ts";
import { eventually, python, startSealpost, type ServerHandle } from "./harness.ts";
import { oldTlsHandshake, runTool } from "./tls-client-env.ts";
import { openDataDir } from "./support/postgres.ts";

const ALICE = "alice@example.test";
const PW = "correct horse battery";
const FAILED = "The email address or the password is wrong.";

interface Response {
  status: number;
  headers: Map<string, string[]>;
  body: string;
}

/** One request with curl (not following redirects), with a cookie jar per "browser". */
async function curl(url: string, opts: { jar?: string; form?: Record<string, string> } = {}): Promise<Response> {
  const args = ["-k", "-s", "-i", "--max-time", "20"];
  if (opts.jar !== undefined) args.push("-b", opts.jar, "-c", opts.jar);
  for (const [k, v] of Object.entries(opts.form ?? {})) args.push("--data-urlencode", `${k}=${v}`);
  args.push(url);
  const r = await runTool("/usr/bin/curl", args, { timeoutMs: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const split = r.stdout.indexOf("\r\n\r\n");
  const head = r.stdout.slice(0, split).split("\r\n");
  const headers = new Map<string, string[]>();
  for (const line of head.slice(1)) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return { status: Number(head[0]?.split(" ")[1]), headers, body: r.stdout.slice(split + 4) };
}

const header = (r: Response, name: string): string => (r.headers.get(name) ?? []).join(", ");
const csrfOf = (body: string): string => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? assert.fail(`no CSRF token in:\n${body}`);
const noticeOf = (body: string): string => /role="alert">([^<]*)</.exec(body)?.[1] ?? "";

async function signIn(base: string, jar: string, address: string, password: string): Promise<Response> {
  const form = await curl(`${base}/login`, { jar });
  return curl(`${base}/login`, { jar, form: { address, password, _csrf: csrfOf(form.body) } });
}

function webHistory(h: ServerHandle): HistoryEntry[] {
  const r = h.cli(["history", ALICE, "--json"]);
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { entries: HistoryEntry[] }).entries.filter((e) => e.protocol === "web");
}

test("the web console refuses bad sign-ins alike, forged and stale requests, other people's pages and old TLS", { timeout: 120_000 }, async () => {
  const h = await startSealpost({
    domains: [{ name: "example.test" }, { name: "other.test" }],
    users: [{ address: ALICE, password: PW }],
    settings: { auth: "failure_delay_ms = 50", "listeners.http": "enabled = true" },
  });
  const jars = mkdtempSync(join(tmpdir(), "sealpost-jars-"));
  const jar = (name: string): string => join(jars, name);
  try {
    const base = `https://127.0.0.1:${h.ports.web}`;

    // Security headers on every page: the sign-in form, a 404, a signed-in page.
    const login = await curl(`${base}/login`, { jar: jar("a") });
    const missing = await curl(`${base}/no-such-page`);
    for (const r of [login, missing]) {
      assert.match(header(r, "content-security-policy"), /default-src 'none'/);
      assert.match(header(r, "content-security-policy"), /frame-ancestors 'none'/);
      assert.doesNotMatch(header(r, "content-security-policy"), /unsafe-inline/);
      assert.match(header(r, "strict-transport-security"), /max-age=\d{7,}; includeSubDomains/);
      assert.equal(header(r, "x-content-type-options"), "nosniff");
      assert.equal(header(r, "cache-control"), "no-store");
    }
    assert.equal(missing.status, 404);
    assert.match(header(login, "set-cookie"), /__Host-csrf=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Strict/);

    // A wrong password and an unknown account: the same status and the same words.
    const wrong = await signIn(base, jar("b"), ALICE, "not the password");
    const unknown = await signIn(base, jar("c"), "nobody@example.test", PW);
    assert.deepEqual([wrong.status, noticeOf(wrong.body)], [401, FAILED]);
    assert.deepEqual([unknown.status, noticeOf(unknown.body)], [401, FAILED]);
    assert.equal(header(wrong, "set-cookie").includes("__Host-sealpost"), false);

    // A good one: a session cookie with every attribute, and a row in the login history.
    const good = await signIn(base, jar("a"), ALICE, PW);
    assert.equal(good.status, 303);
    assert.equal(header(good, "location"), "/account");
    assert.match(header(good, "set-cookie"), /__Host-sealpost=[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Strict/);
    const account = await curl(`${base}/account`, { jar: jar("a") });
    assert.equal(account.status, 200);
    assert.equal(header(account, "cache-control"), "no-store");
    assert.match(header(account, "content-security-policy"), /default-src 'none'/);
    const rows = await eventually(() => {
      const w = webHistory(h);
      return w.length >= 2 ? w : undefined;
    }, 5000, "two web rows in alice's history");
    assert.deepEqual(rows.map((e) => [e.result, e.reason]), [["ok", null], ["failed", "wrong password"]]);
    for (const e of rows) {
      assert.equal(e.port, h.ports.web);
      assert.match(e.tlsVersion ?? "", /^TLSv1\.[23]$/);
      assert.match(e.tlsCipher ?? "", /^TLS_/);
      assert.match(e.clientName ?? "", /^curl\//);
    }

    // Forged requests: no token; a token without the cookie it belongs to; a token from another browser.
    const noToken = await curl(`${base}/logout`, { jar: jar("a"), form: { x: "1" } });
    assert.equal(noToken.status, 403);
    assert.match(noToken.body, /This form had expired or did not come from this site/);
    const token = csrfOf(account.body);
    assert.equal((await curl(`${base}/logout`, { form: { _csrf: token } })).status, 403);
    const other = await curl(`${base}/login`, { jar: jar("d") });
    assert.equal((await curl(`${base}/logout`, { jar: jar("a"), form: { _csrf: csrfOf(other.body) } })).status, 403);
    assert.equal((await curl(`${base}/account`, { jar: jar("a") })).status, 200, "still signed in");

    // A form without its fields: 400, in words.
    const incomplete = await curl(`${base}/login`, { jar: jar("a"), form: { _csrf: token, address: ALICE } });
    assert.equal(incomplete.status, 400);
    assert.equal(noticeOf(incomplete.body), "The form was incomplete or too long. Please go back and try again.");

    // Pages that are not alice's: administration, domains.
    assert.equal((await curl(`${base}/admin`, { jar: jar("a") })).status, 403);
    assert.equal((await curl(`${base}/domain/example.test`, { jar: jar("a") })).status, 404);
    assert.equal((await curl(`${base}/domain/other.test`, { jar: jar("a") })).status, 404);
    const post = await curl(`${base}/domain/example.test/mandatory-tls`, { jar: jar("a"), form: { _csrf: token, mandatory_tls: "on", confirm: "yes" } });
    assert.equal(post.status, 404);
    assert.match(h.cli(["domain", "list"]).stdout, /example\.test\s+off/);

    // A password change ends every other session; the new password works on IMAP (imaplib).
    assert.equal((await signIn(base, jar("e"), ALICE, PW)).status, 303);
    const changed = await curl(`${base}/account/password`, { jar: jar("a"), form: { _csrf: token, current: PW, password: "a new long password", repeat: "a new long password" } });
    assert.equal(changed.status, 200);
    assert.match(changed.body, /Your password was changed\. 1 other web session\(s\) were signed out\./);
    const ended = await curl(`${base}/account`, { jar: jar("e") });
    assert.deepEqual([ended.status, header(ended, "location")], [303, "/login?expired=1&next=%2Faccount"]);
    assert.match((await curl(`${base}/login?expired=1`)).body, /Your session has ended/);
    python(
      `import imaplib, ssl\nctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE\nM = imaplib.IMAP4_SSL("127.0.0.1", ${h.ports.imaps}, ssl_context=ctx); M.login("${ALICE}", "a new long password"); M.logout()`,
    );

    // Sessions are kept in the database: a restart signs no one out.
    await h.stop();
    await h.restart();
    assert.equal((await curl(`https://127.0.0.1:${h.ports.web}/account`, { jar: jar("a") })).status, 200, "still signed in after a restart");

    // An expired session: idle for longer than [web] session_idle.
    const store = await openDataDir(h.dataDir);
    try {
      await store.db.updateTable("web_sessions").set({ last_seen: Date.now() - 2 * 3600_000 }).execute();
    } finally {
      await store.close();
    }
    const expired = await curl(`https://127.0.0.1:${h.ports.web}/account`, { jar: jar("a") });
    assert.equal(expired.status, 303);
    assert.match(header(expired, "location"), /^\/login\?expired=1/);

    // TLS 1.0 and 1.1 to the web port: refused, and recorded with the version offered.
    for (const flag of ["-tls1", "-tls1_1"] as const) {
      const s = await oldTlsHandshake(h.ports.web, flag);
      assert.notEqual(s.status, 0, s.stdout);
      assert.match(s.stderr, /alert protocol version|SSL alert number 70/, s.stderr);
    }
    const refused = await eventually(() => {
      const r = h.cli(["tls-report", "--json"]);
      const rep = JSON.parse(r.stdout) as { refusedHandshakes: Array<{ protocol: string; offeredMax: string }> };
      const web = rep.refusedHandshakes.filter((x) => x.protocol === "web").map((x) => x.offeredMax).sort();
      return web.length === 2 ? web : undefined;
    }, 5000, "two refused web handshakes in tls-report");
    assert.deepEqual(refused, ["TLSv1", "TLSv1.1"]);

    // Port 80 (here: the http listener's port) redirects to the console, by the configured name.
    const redirect = await curl(`http://127.0.0.1:${h.ports.http}/account?x=1`);
    assert.equal(redirect.status, 301);
    assert.equal(header(redirect, "location"), `https://mx.sealpost.test:${h.ports.web}/account?x=1`);
  } finally {
    rmSync(jars, { recursive: true, force: true });
    await h.cleanup();
  }
});
