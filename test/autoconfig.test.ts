/**
 * Client auto-configuration end to end (issue 14): curl fetches Thunderbird's autoconfig (on
 * autoconfig.DOMAIN and on DOMAIN's .well-known path) and posts Outlook's Autodiscover request; Python
 * parses the answers with its own XML parser and signs in to every server entry they name, exactly
 * as named (host — resolved to this machine —, port, TLS from the first byte or STARTTLS, the user
 * name form). A domain that is not hosted gets none; a hostile address stays text. In Chromium a
 * signed-in user downloads the Apple profile from the account page's link; plistlib reads it and its
 * accounts sign in too. Screenshots go to $SEALPOST_SCREENSHOTS when it is set.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { python, startSealpost } from "./harness.ts";
import { curl } from "./support/curl.ts";
import { launchChromium, newContext, shot, signIn } from "./support/browser.ts";

const ALICE = "alice@example.test";
const PW = "correct horse battery";
const HOSTNAME = "mx.sealpost.test";
const OUTLOOK_SCHEMA = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

const outlookRequest = (address: string): string => `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request><EMailAddress>${address}</EMailAddress><AcceptableResponseSchema>${OUTLOOK_SCHEMA}</AcceptableResponseSchema></Request>
</Autodiscover>`;

/**
 * Reads the documents with Python's parsers (xml.etree, plistlib), lists every server entry they
 * name, and signs in to each exactly as it says. Prints one JSON row per entry.
 */
const SIGN_IN_EVERYWHERE = `
import imaplib, json, os, plistlib, poplib, smtplib, socket, ssl, sys
import xml.etree.ElementTree as ET
e = os.environ
docs = json.load(sys.stdin)
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
# The documents name the certificate's host name; here it lives on loopback (as curl --resolve).
real = socket.getaddrinfo
socket.getaddrinfo = lambda host, *a, **k: real("127.0.0.1" if host == e["HOSTNAME"] else host, *a, **k)
def local(tag): return tag.split("}")[-1]
def child(el, name):
    for c in el:
        if local(c.tag) == name: return (c.text or "").strip()
    return None
entries = []
for i, text in enumerate(docs["thunderbird"]):
    root = ET.fromstring(text.encode())
    for el in root.iter():
        if local(el.tag) in ("incomingServer", "outgoingServer"):
            st = child(el, "socketType")
            entries.append({"source": f"thunderbird{i}", "type": el.get("type"), "host": child(el, "hostname"), "port": int(child(el, "port")),
                            "tls": {"SSL": "implicit", "STARTTLS": "starttls"}.get(st, st), "user": child(el, "username").replace("%EMAILADDRESS%", e["ADDRESS"])})
for text in docs["autodiscover"]:
    root = ET.fromstring(text.encode())
    for el in root.iter():
        if local(el.tag) == "Protocol":
            enc = child(el, "Encryption")
            tls = {"TLS": "starttls", "SSL": "implicit"}.get(enc) if enc else ("implicit" if child(el, "SSL") == "on" else "none")
            entries.append({"source": "autodiscover", "type": child(el, "Type").lower(), "host": child(el, "Server"), "port": int(child(el, "Port")), "tls": tls, "user": child(el, "LoginName")})
for text in docs["plist"]:
    for p in plistlib.loads(text.encode())["PayloadContent"]:
        for side, kind in (("Incoming", "imap"), ("Outgoing", "smtp")):
            entries.append({"source": "apple", "type": kind, "host": p[side + "MailServerHostName"], "port": p[side + "MailServerPortNumber"],
                            "tls": "implicit" if p[side + "MailServerUseSSL"] else "none", "user": p[side + "MailServerUsername"]})
def sign_in(x):
    h, port, user, pw = x["host"], x["port"], x["user"], e["PW"]
    if x["type"] == "imap" and x["tls"] == "implicit":
        m = imaplib.IMAP4_SSL(h, port, ssl_context=ctx); typ, _ = m.login(user, pw); m.logout(); return typ
    if x["type"] == "pop3" and x["tls"] == "implicit":
        p = poplib.POP3_SSL(h, port, context=ctx); p.user(user); r = p.pass_(pw); p.quit(); return r.decode().split()[0]
    if x["type"] == "smtp" and x["tls"] == "implicit":
        s = smtplib.SMTP_SSL(h, port, context=ctx); code, _ = s.login(user, pw); s.quit(); return str(code)
    if x["type"] == "smtp" and x["tls"] == "starttls":
        s = smtplib.SMTP(h, port); s.starttls(context=ctx); code, _ = s.login(user, pw); s.quit(); return str(code)
    return "not a TLS endpoint"
for x in entries:
    try: x["result"] = sign_in(x)
    except Exception as err: x["result"] = f"{type(err).__name__}: {err}"
print(json.dumps(entries))
`;

interface Entry {
  source: string;
  type: string;
  host: string;
  port: number;
  tls: string;
  user: string;
  result: string;
}

function signInEverywhere(docs: { thunderbird: string[]; autodiscover: string[]; plist: string[] }): Entry[] {
  const r = spawnSync("python3", ["-c", SIGN_IN_EVERYWHERE], { input: JSON.stringify(docs), encoding: "utf8", timeout: 60_000, env: { ...process.env, HOSTNAME, ADDRESS: ALICE, PW } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Entry[];
}

/** Success as each protocol says it: IMAP OK, POP3 +OK, SMTP 235 (RFC 4954 §6). */
const SIGNED_IN: Record<string, string> = { imap: "OK", pop3: "+OK", smtp: "235" };

test("curl fetches autoconfig and Autodiscover for a hosted domain; every server entry they name signs in with the settings given", { timeout: 120_000 }, async () => {
  const h = await startSealpost({ domains: [{ name: "example.test" }], users: [{ address: ALICE, password: PW }] });
  try {
    const q = `?emailaddress=${encodeURIComponent(ALICE)}`;
    const byAddress = curl(h, "autoconfig.example.test", `/mail/config-v1.1.xml${q}`);
    assert.equal(byAddress.status, 200, byAddress.body);
    assert.equal(byAddress.headers["content-type"], "application/xml; charset=utf-8");
    assert.equal(byAddress.headers["cache-control"], "no-store");
    // Thunderbird's second place: the domain's own name, .well-known, no address (the Host names the domain).
    const wellKnown = curl(h, "example.test", "/.well-known/autoconfig/mail/config-v1.1.xml");
    assert.equal(wellKnown.status, 200, wellKnown.body);
    assert.match(wellKnown.body, /<username>%EMAILADDRESS%<\/username>/);
    const byHost = curl(h, "autoconfig.example.test", "/mail/config-v1.1.xml");
    assert.equal(byHost.status, 200, byHost.body);
    const outlook = curl(h, "autodiscover.example.test", "/autodiscover/autodiscover.xml", { post: outlookRequest(ALICE) });
    assert.equal(outlook.status, 200, outlook.body);
    assert.equal(outlook.headers["cache-control"], "no-store");
    const outlookUpper = curl(h, HOSTNAME, "/Autodiscover/Autodiscover.xml", { post: outlookRequest(ALICE) });
    assert.equal(outlookUpper.body, outlook.body);

    const entries = signInEverywhere({ thunderbird: [byAddress.body, wellKnown.body, byHost.body], autodiscover: [outlook.body], plist: [] });
    // Exactly the TLS endpoints, under the certificate's name: never the plaintext-first IMAP or POP3 port.
    const p = h.ports;
    const expected = [`imap ${p.imaps} implicit`, `pop3 ${p.pop3s} implicit`, `smtp ${p.submissions} implicit`, `smtp ${p.submission} starttls`];
    for (const source of ["thunderbird0", "thunderbird1", "thunderbird2", "autodiscover"]) {
      assert.deepEqual(entries.filter((x) => x.source === source).map((x) => `${x.type} ${x.port} ${x.tls}`), expected, source);
    }
    for (const x of entries) {
      assert.equal(x.host, HOSTNAME);
      assert.equal(x.user, ALICE);
      assert.equal(x.result, SIGNED_IN[x.type], JSON.stringify(x));
    }
    assert.ok(!entries.some((x) => x.port === p.imap || x.port === p.pop3));
  } finally {
    await h.cleanup();
  }
});

test("a domain that is not hosted gets no settings, a hostile address stays text, a bad request a clear error", { timeout: 60_000 }, async () => {
  const h = await startSealpost({ domains: [{ name: "example.test" }], users: [{ address: ALICE, password: PW }] });
  try {
    assert.equal(curl(h, "autoconfig.example.test", `/mail/config-v1.1.xml?emailaddress=${encodeURIComponent("x@other.test")}`).status, 404);
    assert.equal(curl(h, "autoconfig.other.test", "/mail/config-v1.1.xml").status, 404);
    assert.equal(curl(h, "autoconfig.example.test", "/mail/config-v1.1.xml?emailaddress=nobody").status, 400);
    const notHosted = curl(h, "autodiscover.other.test", "/autodiscover/autodiscover.xml", { post: outlookRequest("x@other.test") });
    assert.equal(notHosted.status, 404);
    const malformed = curl(h, "autodiscover.example.test", "/autodiscover/autodiscover.xml", { post: "<Autodiscover><Request><EMailAddress>a@example.test</Request>" });
    assert.equal(malformed.status, 400);
    const entity = curl(h, "autodiscover.example.test", "/autodiscover/autodiscover.xml", {
      post: `<!DOCTYPE a [<!ENTITY e "${ALICE}">]><Autodiscover><Request><EMailAddress>&e;</EMailAddress></Request></Autodiscover>`,
    });
    assert.equal(entity.status, 400);
    const get = curl(h, "autodiscover.example.test", "/autodiscover/autodiscover.xml");
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, "POST");
    const tooLarge = curl(h, "autodiscover.example.test", "/autodiscover/autodiscover.xml", { post: outlookRequest(`${"a".repeat(20_000)}@example.test`) });
    assert.equal(tooLarge.status, 413);

    const hostile = `"a<b>&c'</username>"@example.test`;
    const tb = curl(h, "autoconfig.example.test", `/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(hostile)}`);
    assert.equal(tb.status, 200, tb.body);
    const ad = curl(h, "autodiscover.example.test", "/autodiscover/autodiscover.xml", { post: outlookRequest(hostile.replace(/&/g, "&amp;").replace(/</g, "&lt;")) });
    assert.equal(ad.status, 200, ad.body);
    // Python's parser reads both, and finds the address as text where a user name goes — and no element the address tried to open.
    const read = python(
      `
import json, os, xml.etree.ElementTree as ET
out = {}
for name in ("TB", "AD", "NOT_HOSTED", "MALFORMED"):
    root = ET.fromstring(os.environ[name].encode())
    out[name] = {"users": sorted({(el.text or "") for el in root.iter() if el.tag.split("}")[-1] in ("username", "LoginName")}),
                 "codes": [el.text for el in root.iter() if el.tag.split("}")[-1] == "ErrorCode"],
                 "tags": len(list(root.iter()))}
print(json.dumps(out))`,
      { TB: tb.body, AD: ad.body, NOT_HOSTED: notHosted.body, MALFORMED: malformed.body },
    );
    const parsed = JSON.parse(read) as Record<string, { users: string[]; codes: string[]; tags: number }>;
    assert.deepEqual(parsed.TB?.users, [hostile]);
    assert.deepEqual(parsed.AD?.users, [hostile]);
    assert.equal(parsed.TB?.tags, curl(h, "autoconfig.example.test", `/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(ALICE)}`).body.match(/<[a-zA-Z]/g)?.length);
    // MS-OXDSCLI's error codes: 500 the address cannot be found, 600 invalid request.
    assert.deepEqual(parsed.NOT_HOSTED?.codes, ["500"]);
    assert.deepEqual(parsed.MALFORMED?.codes, ["600"]);

    // The profile is only for a signed-in account.
    const anonymous = curl(h, "mx.sealpost.test", "/account/mail.mobileconfig");
    assert.equal(anonymous.status, 303);
    assert.match(anonymous.headers.location ?? "", /^\/login\?next=/);
  } finally {
    await h.cleanup();
  }
});

test("in Chromium a user downloads the Apple profile from the account page; it parses as a property list whose account signs in", { timeout: 120_000 }, async () => {
  const h = await startSealpost({ domains: [{ name: "example.test" }], users: [{ address: ALICE, password: PW }] });
  const browser = await launchChromium();
  const dir = mkdtempSync(join(tmpdir(), "sealpost-profile-"));
  try {
    const base = `https://127.0.0.1:${h.ports.web}`;
    const page = await (await newContext(browser)).newPage();
    await signIn(page, base, ALICE, PW);
    await page.getByRole("heading", { name: "Settings for your mail program" }).waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download the settings for Apple devices" }).click()]);
    assert.equal(download.suggestedFilename(), "mail-example.test.mobileconfig");
    const file = join(dir, download.suggestedFilename());
    await download.saveAs(file);
    const profile = readFileSync(file, "utf8");
    const head = await page.request.get(`${base}/account/mail.mobileconfig`);
    assert.equal(head.headers()["content-type"], "application/x-apple-aspen-config");
    assert.equal(head.headers()["content-disposition"], 'attachment; filename="mail-example.test.mobileconfig"');
    assert.equal(head.headers()["cache-control"], "no-store");
    await page.getByRole("region", { name: "Settings for your mail program" }).scrollIntoViewIfNeeded();
    await shot(page, "autoconfig-account-en");

    const summary = python(
      `
import json, os, plistlib
p = plistlib.loads(os.environ["PROFILE"].encode())
print(json.dumps({"type": p["PayloadType"], "version": p["PayloadVersion"], "accounts": [
  {k: a[k] for k in ("PayloadType", "EmailAccountType", "EmailAddress", "IncomingMailServerHostName", "IncomingMailServerPortNumber", "IncomingMailServerUseSSL",
                     "IncomingMailServerUsername", "OutgoingMailServerHostName", "OutgoingMailServerPortNumber", "OutgoingMailServerUseSSL", "OutgoingMailServerUsername")}
  for a in p["PayloadContent"]], "password": any("Password" in k and k != "OutgoingPasswordSameAsIncomingPassword" for a in p["PayloadContent"] for k in a)}))`,
      { PROFILE: profile },
    );
    assert.deepEqual(JSON.parse(summary), {
      type: "Configuration",
      version: 1,
      accounts: [
        {
          PayloadType: "com.apple.mail.managed",
          EmailAccountType: "EmailTypeIMAP",
          EmailAddress: ALICE,
          IncomingMailServerHostName: HOSTNAME,
          IncomingMailServerPortNumber: h.ports.imaps,
          IncomingMailServerUseSSL: true,
          IncomingMailServerUsername: ALICE,
          OutgoingMailServerHostName: HOSTNAME,
          OutgoingMailServerPortNumber: h.ports.submissions,
          OutgoingMailServerUseSSL: true,
          OutgoingMailServerUsername: ALICE,
        },
      ],
      password: false,
    });
    const entries = signInEverywhere({ thunderbird: [], autodiscover: [], plist: [profile] });
    assert.deepEqual(entries.map((x) => `${x.type} ${x.port} ${x.result}`), [`imap ${h.ports.imaps} OK`, `smtp ${h.ports.submissions} 235`]);

    // The same link in German.
    const de = await (await newContext(browser, "de-DE")).newPage();
    await signIn(de, base, ALICE, PW, { address: "E-Mail-Adresse", password: "Passwort", submit: "Anmelden" });
    const link = de.getByRole("link", { name: "Einstellungen für Apple-Geräte herunterladen" });
    await link.scrollIntoViewIfNeeded();
    await shot(de, "autoconfig-account-de");
    const [german] = await Promise.all([de.waitForEvent("download"), link.click()]);
    assert.equal(german.suggestedFilename(), "mail-example.test.mobileconfig");
    // What the device shows while installing it is in the page's language.
    const germanFile = join(dir, "de.mobileconfig");
    await german.saveAs(germanFile);
    const names = JSON.parse(
      python(`import json, os, plistlib\np = plistlib.loads(os.environ["PROFILE"].encode())\nprint(json.dumps([p["PayloadDisplayName"], p["PayloadDescription"]]))`, { PROFILE: readFileSync(germanFile, "utf8") }),
    ) as string[];
    assert.equal(names[0], `E-Mail: ${ALICE}`);
    assert.match(names[1] ?? "", /^E-Mail-Einstellungen für /);
  } finally {
    await browser.close();
    await h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
