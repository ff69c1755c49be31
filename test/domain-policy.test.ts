/**
 * Mandatory TLS for a relay (gateway) domain as for a hosted one (issue 11: the gateway of the
 * Cleanmail notice switches it for its customers' domains, which it relays): `domain set
 * --mandatory-tls on` on a relay domain makes the MX answer a plaintext RCPT (Python's smtplib)
 * with 450 4.7.0 — before it says whether the local part is known — and take it over STARTTLS;
 * `domain log` names who switched it and when.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { python, startSealpost } from "./harness.ts";

const RCPT = `
import json, os, smtplib, ssl
e = os.environ
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
out = {}
for tls in (False, True):
    S = smtplib.SMTP("127.0.0.1", int(e["MX"]))
    S.ehlo("sender.example.net")
    if tls:
        S.starttls(context=ctx)
        S.ehlo("sender.example.net")
    S.mail("someone@example.net")
    out["tls" if tls else "plain"] = [[c, m.decode()] for c, m in (S.rcpt(r) for r in e["RCPTS"].split(","))]
    S.quit()
print(json.dumps(out))
`;

test("a relay domain's mandatory TLS: 450 4.7.0 in plaintext (known or not), accepted over STARTTLS; the switch is in the domain log", async () => {
  const h = await startSealpost({ domains: [{ name: "example.test" }] });
  try {
    assert.equal(h.cli(["relay", "add", "customer.test", "--next-hop", "[127.0.0.1]:2525", "--local-parts", "info"]).status, 0);
    const rcpt = (): { plain: Array<[number, string]>; tls: Array<[number, string]> } =>
      JSON.parse(python(RCPT, { MX: String(h.ports.mx), RCPTS: "info@customer.test,nobody@customer.test" })) as { plain: Array<[number, string]>; tls: Array<[number, string]> };

    let r = rcpt();
    assert.deepEqual(r.plain.map(([c]) => c), [250, 550], "off: plaintext is taken");

    const set = h.cli(["domain", "set", "customer.test", "--mandatory-tls", "on"]);
    assert.equal(set.status, 0, set.stderr);
    assert.equal(set.stdout, "customer.test: mandatory TLS on\n");
    r = rcpt();
    for (const [code, text] of r.plain) {
      assert.equal(code, 450);
      assert.match(text, /^4\.7\.0 <\w+@customer\.test>: TLS is required for mail to customer\.test; issue STARTTLS and try again$/);
    }
    assert.deepEqual(r.tls.map(([c]) => c), [250, 550], "over TLS: the relay's own recipient table decides");

    assert.equal(h.cli(["domain", "set", "customer.test", "--mandatory-tls", "on"]).status, 0, "setting it again changes nothing");
    assert.equal(h.cli(["domain", "set", "customer.test", "--mandatory-tls", "off"]).status, 0);
    const log = JSON.parse(h.cli(["domain", "log", "customer.test", "--json"]).stdout) as Array<{ setting: string; value: string; changedBy: string }>;
    assert.deepEqual(log.map((c) => [c.setting, c.value]), [["mandatory_tls", "off"], ["mandatory_tls", "on"]]);
    assert.match(log[0]?.changedBy ?? "", /^cli(:\S+)?$/);
    assert.equal(rcpt().plain[0]?.[0], 250, "off again: plaintext is taken");

    const missing = h.cli(["domain", "set", "nowhere.test", "--mandatory-tls", "on"]);
    assert.equal(missing.status, 2);
    assert.equal(missing.stderr, "sealpost: no such domain: nowhere.test (neither hosted nor a relay domain)\n");
  } finally {
    await h.cleanup();
  }
});
