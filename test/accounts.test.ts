/**
 * Roles and disabled accounts from the CLI (issue 11's first step): `user add --role`, `user set
 * --role/--disabled`, shown by `user list`. A disabled account is refused on IMAP (Python's imaplib)
 * with the same answer as a wrong password and receives no mail (smtplib: 550 5.1.1); enabled
 * again, it signs in.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { python, startSealpost } from "./harness.ts";

const ALICE = "alice@example.test";
const PW = "alice-password-1";

const LOGIN_AND_MAIL = `
import imaplib, json, os, smtplib, ssl
e = os.environ
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
out = {}
M = imaplib.IMAP4_SSL("127.0.0.1", int(e["IMAPS"]), ssl_context=ctx)
try:
    M.login(e["USER"], e["PW"])
    out["login"] = "OK"
    M.logout()
except imaplib.IMAP4.error as x:
    out["login"] = str(x)
S = smtplib.SMTP("127.0.0.1", int(e["MX"]))
S.starttls(context=ctx)
S.ehlo("client.example.net")
S.mail("someone@example.net")
out["rcpt"] = list(S.rcpt(e["USER"]))
out["rcpt"][1] = out["rcpt"][1].decode()
S.quit()
print(json.dumps(out))
`;

test("user add --role, user set --role/--disabled: a disabled account cannot sign in or receive mail; enabled again, it can", async () => {
  const h = await startSealpost({ domains: [{ name: "example.test" }], settings: { auth: "failure_delay_ms = 50" } });
  try {
    const added = h.cli(["user", "add", ALICE, "--role", "domain-admin", "--json"], `${PW}\n`);
    assert.equal(added.status, 0, added.stderr);
    assert.equal((JSON.parse(added.stdout) as { role: string }).role, "domain-admin");

    const bad = h.cli(["user", "set", ALICE, "--role", "root"]);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr, 'sealpost: role: expected one of user, domain-admin, admin, got "root"\n');
    assert.equal(h.cli(["user", "set", ALICE]).status, 2, "nothing to set");
    assert.equal(h.cli(["user", "set", "nobody@example.test", "--disabled", "on"]).stderr, "sealpost: no such account: nobody@example.test\n");

    const env = { IMAPS: String(h.ports.imaps), MX: String(h.ports.mx), USER: ALICE, PW };
    const run = (): { login: string; rcpt: [number, string] } => JSON.parse(python(LOGIN_AND_MAIL, env)) as { login: string; rcpt: [number, string] };
    assert.deepEqual(run(), { login: "OK", rcpt: [250, "2.1.5 Ok"] });

    const set = h.cli(["user", "set", ALICE, "--disabled", "on", "--role", "admin"]);
    assert.equal(set.status, 0, set.stderr);
    assert.equal(set.stdout, `${ALICE}: role admin, disabled, storage 0 (no limit)\n`);
    const list = h.cli(["user", "list"]);
    assert.match(list.stdout, /^alice@example\.test +example\.test +admin +yes +yes /m, list.stdout);
    const refused = run();
    assert.match(refused.login, /AUTHENTICATIONFAILED/, "the same answer as a wrong password");
    assert.equal(refused.rcpt[0], 550);
    assert.match(refused.rcpt[1], /^5\.1\.1 /);

    assert.equal(h.cli(["user", "set", ALICE, "--disabled", "off"]).status, 0);
    assert.deepEqual(run(), { login: "OK", rcpt: [250, "2.1.5 Ok"] });
    const history = h.cli(["history", ALICE, "--json"]);
    const reasons = (JSON.parse(history.stdout) as { entries: Array<{ result: string; reason: string | null }> }).entries.map((e) => `${e.result} ${e.reason ?? ""}`.trim());
    assert.ok(reasons.includes("failed account disabled"), reasons.join("\n"));
  } finally {
    await h.cleanup();
  }
});

test("domain admin add|delete|list: who administers a hosted or relay domain, in one-line errors when it cannot be", async () => {
  const h = await startSealpost({ domains: [{ name: "example.test" }] });
  try {
    assert.equal(h.cli(["user", "add", "da@example.test", "--role", "domain-admin"], "password-da-1\n").status, 0);
    assert.equal(h.cli(["user", "add", "gw@example.test"], "password-gw-1\n").status, 0);
    assert.equal(h.cli(["relay", "add", "customer.test", "--next-hop", "[127.0.0.1]:2525"]).status, 0);

    const add = h.cli(["domain", "admin", "add", "customer.test", "gw@example.test"]);
    assert.equal(add.status, 0, add.stderr);
    assert.equal(add.stdout, "gw@example.test administers customer.test\n");
    const list = h.cli(["domain", "admin", "list", "customer.test", "--json"]);
    assert.deepEqual(JSON.parse(list.stdout), [{ address: "gw@example.test", role: "user", source: "granted" }]);
    assert.match(h.cli(["domain", "admin", "list", "example.test"]).stdout, /^da@example\.test +domain-admin +own domain$/m);

    // A relay domain's own administrator has no mailbox here: a console-only account. It administers
    // its domain, and the mail protocols refuse it as they refuse a wrong password.
    const postmaster = h.cli(["user", "add", "postmaster@customer.test", "--role", "domain-admin"], "password-pm-1\n");
    assert.equal(postmaster.status, 0, postmaster.stderr);
    assert.match(postmaster.stdout, /^added postmaster@customer\.test \(console only: customer\.test is a relay domain, so no mailbox here/);
    assert.match(h.cli(["user", "list"]).stdout, /^postmaster@customer\.test +customer\.test +domain-admin +no \(console only\) /m);
    assert.match(h.cli(["domain", "admin", "list", "customer.test"]).stdout, /^postmaster@customer\.test +domain-admin +own domain$/m);
    const imap = python(
      `import imaplib, ssl\nctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE\nM = imaplib.IMAP4_SSL("127.0.0.1", ${h.ports.imaps}, ssl_context=ctx)\ntry:\n    M.login("postmaster@customer.test", "password-pm-1"); print("OK")\nexcept imaplib.IMAP4.error as x:\n    print(x)`,
    );
    assert.match(imap, /AUTHENTICATIONFAILED/);

    const missing = h.cli(["domain", "admin", "add", "nowhere.test", "gw@example.test"]);
    assert.equal(missing.status, 2);
    assert.equal(missing.stderr, "sealpost: no such domain: nowhere.test (neither hosted nor a relay domain)\n");
    assert.equal(h.cli(["domain", "admin", "delete", "customer.test", "gw@example.test"]).status, 0);
    const again = h.cli(["domain", "admin", "delete", "customer.test", "gw@example.test"]);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /^sealpost: gw@example\.test was not given customer\.test/);
    assert.equal(h.cli(["domain", "admin", "add", "customer.test"]).status, 2, "a missing argument is a usage error");
  } finally {
    await h.cleanup();
  }
});
