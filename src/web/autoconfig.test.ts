import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appleProfile, autodiscoverError, autodiscoverResponse, AutodiscoverCode, OUTLOOK_SCHEMA, thunderbirdConfig, tlsEndpoints } from "./autoconfig.ts";
import { readAutodiscoverRequest } from "./autodiscover-request.ts";
import type { MailSettings } from "./deps.ts";
import { de } from "./text-de.ts";
import { en } from "./text-en.ts";

const ALL_ON: MailSettings = { hostname: "mx.sealpost.test", imaps: 993, imap: 143, pop3s: 995, pop3: 110, submissions: 465, submission: 587 };

/**
 * Parses documents with Python's own parsers (xml.etree, plistlib), not ours: each XML document
 * becomes its elements as [path of local names, text] pairs; a plist its value. Throws on a
 * document that is not well formed.
 */
function parse(docs: Array<{ kind: "xml" | "plist"; text: string }>): unknown[] {
  const code = `
import json, plistlib, sys, xml.etree.ElementTree as ET
out = []
for d in json.load(sys.stdin):
    if d["kind"] == "plist":
        out.append(plistlib.loads(d["text"].encode("utf-8")))
        continue
    rows = []
    def walk(e, path):
        p = path + [e.tag.split("}")[-1]]
        rows.append(["/".join(p), (e.text or "").strip(), dict(e.attrib)])
        for c in e: walk(c, p)
    walk(ET.fromstring(d["text"].encode("utf-8")), [])
    out.append(rows)
print(json.dumps(out))
`;
  const r = spawnSync("python3", ["-c", code], { input: JSON.stringify(docs), encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as unknown[];
}

type Rows = Array<[string, string, Record<string, string>]>;
const texts = (rows: Rows, path: string): string[] => rows.filter(([p]) => p === path).map(([, t]) => t);

test("only TLS endpoints of enabled listeners: never the plaintext-first IMAP and POP3 ports", () => {
  assert.deepEqual(tlsEndpoints(ALL_ON), [
    { protocol: "imap", port: 993, tls: "implicit" },
    { protocol: "pop3", port: 995, tls: "implicit" },
    { protocol: "smtp", port: 465, tls: "implicit" },
    { protocol: "smtp", port: 587, tls: "starttls" },
  ]);
  assert.deepEqual(tlsEndpoints({ ...ALL_ON, pop3s: null, submissions: null }), [
    { protocol: "imap", port: 993, tls: "implicit" },
    { protocol: "smtp", port: 587, tls: "starttls" },
  ]);
  const docs = [thunderbirdConfig(ALL_ON, "example.test", "a@example.test"), autodiscoverResponse(ALL_ON, "a@example.test"), appleProfile(ALL_ON, "a@example.test", en.account)?.body ?? ""];
  for (const doc of docs) {
    assert.doesNotMatch(doc, /\b(143|110)\b/);
    assert.match(doc, /\b993\b/);
  }
});

test("Thunderbird's autoconfig: every TLS server with the address as user name, or the placeholder; a listener that is off is left out", () => {
  const [full, placeholder, partial] = parse([
    { kind: "xml", text: thunderbirdConfig(ALL_ON, "example.test", "alice@example.test") },
    { kind: "xml", text: thunderbirdConfig(ALL_ON, "example.test", null) },
    { kind: "xml", text: thunderbirdConfig({ ...ALL_ON, pop3s: null, submissions: null }, "example.test", "alice@example.test") },
  ]) as Rows[];
  assert.ok(full !== undefined && placeholder !== undefined && partial !== undefined);
  assert.deepEqual(full[0], ["clientConfig", "", { version: "1.1" }]);
  assert.deepEqual(full.find(([p]) => p === "clientConfig/emailProvider")?.[2], { id: "example.test" });
  assert.deepEqual(texts(full, "clientConfig/emailProvider/domain"), ["example.test"]);
  assert.deepEqual(
    full.filter(([p]) => /Server$/.test(p)).map(([p, , a]) => `${p.split("/").pop()}:${a.type}`),
    ["incomingServer:imap", "incomingServer:pop3", "outgoingServer:smtp", "outgoingServer:smtp"],
  );
  assert.deepEqual(texts(full, "clientConfig/emailProvider/incomingServer/port"), ["993", "995"]);
  assert.deepEqual(texts(full, "clientConfig/emailProvider/incomingServer/socketType"), ["SSL", "SSL"]);
  assert.deepEqual(texts(full, "clientConfig/emailProvider/outgoingServer/port"), ["465", "587"]);
  assert.deepEqual(texts(full, "clientConfig/emailProvider/outgoingServer/socketType"), ["SSL", "STARTTLS"]);
  assert.deepEqual([...new Set(texts(full, "clientConfig/emailProvider/incomingServer/hostname"))], ["mx.sealpost.test"]);
  assert.deepEqual([...new Set(texts(full, "clientConfig/emailProvider/outgoingServer/authentication"))], ["password-cleartext"]);
  assert.deepEqual([...new Set(texts(full, "clientConfig/emailProvider/outgoingServer/username"))], ["alice@example.test"]);
  assert.deepEqual([...new Set(texts(placeholder, "clientConfig/emailProvider/incomingServer/username"))], ["%EMAILADDRESS%"]);
  assert.deepEqual(texts(partial, "clientConfig/emailProvider/incomingServer/port"), ["993"]);
  assert.deepEqual(texts(partial, "clientConfig/emailProvider/outgoingServer/port"), ["587"]);
});

test("Autodiscover: IMAP, POP3 and SMTP with SSL on, 587 with Encryption TLS; the error document", () => {
  const [ok, off, error] = parse([
    { kind: "xml", text: autodiscoverResponse(ALL_ON, "alice@example.test") },
    { kind: "xml", text: autodiscoverResponse({ ...ALL_ON, submission: null, pop3s: null }, "alice@example.test") },
    { kind: "xml", text: autodiscoverError(AutodiscoverCode.NOT_FOUND, "The email address cannot be found", new Date(0)) },
  ]) as Rows[];
  assert.ok(ok !== undefined && off !== undefined && error !== undefined);
  const p = "Autodiscover/Response/Account/Protocol";
  assert.deepEqual(texts(ok, "Autodiscover/Response/Account/AccountType"), ["email"]);
  assert.deepEqual(texts(ok, "Autodiscover/Response/Account/Action"), ["settings"]);
  assert.deepEqual(texts(ok, `${p}/Type`), ["IMAP", "POP3", "SMTP", "SMTP"]);
  assert.deepEqual(texts(ok, `${p}/Port`), ["993", "995", "465", "587"]);
  assert.deepEqual(texts(ok, `${p}/Encryption`), ["SSL", "SSL", "SSL", "TLS"]);
  for (const [path, value] of [["SSL", "on"], ["SPA", "off"], ["AuthRequired", "on"], ["LoginName", "alice@example.test"], ["Server", "mx.sealpost.test"]]) {
    assert.deepEqual([...new Set(texts(ok, `${p}/${path}`))], [value], path);
  }
  assert.deepEqual(texts(off, `${p}/Port`), ["993", "465"]);
  assert.deepEqual(texts(error, "Autodiscover/Response/Error/ErrorCode"), ["500"]);
});

test("Apple's profile: one com.apple.mail.managed payload, IMAP 993 and SMTP 465 over TLS (587 when 465 is off), no password", () => {
  const profile = appleProfile(ALL_ON, "alice@example.test", en.account);
  assert.ok(profile !== null);
  assert.equal(profile.filename, "mail-example.test.mobileconfig");
  assert.doesNotMatch(profile.body, /Password<\/key>\s*<string>/);
  const fallback = appleProfile({ ...ALL_ON, submissions: null }, "alice@example.test", en.account);
  const [plist, plist587] = parse([
    { kind: "plist", text: profile.body },
    { kind: "plist", text: fallback?.body ?? "" },
  ]) as Array<Record<string, unknown> & { PayloadContent: Array<Record<string, unknown>> }>;
  assert.ok(plist !== undefined && plist587 !== undefined);
  assert.equal(plist.PayloadType, "Configuration");
  assert.equal(plist.PayloadVersion, 1);
  assert.match(String(plist.PayloadUUID), /^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  assert.match(String(plist.PayloadIdentifier), /^test\.sealpost\.mx\./);
  assert.equal(plist.PayloadContent.length, 1);
  const mail = plist.PayloadContent[0] ?? {};
  assert.deepEqual(
    { ...mail, PayloadUUID: undefined, PayloadIdentifier: undefined },
    {
      EmailAccountDescription: "alice@example.test",
      EmailAccountType: "EmailTypeIMAP",
      EmailAddress: "alice@example.test",
      IncomingMailServerAuthentication: "EmailAuthPassword",
      IncomingMailServerHostName: "mx.sealpost.test",
      IncomingMailServerPortNumber: 993,
      IncomingMailServerUseSSL: true,
      IncomingMailServerUsername: "alice@example.test",
      OutgoingMailServerAuthentication: "EmailAuthPassword",
      OutgoingMailServerHostName: "mx.sealpost.test",
      OutgoingMailServerPortNumber: 465,
      OutgoingMailServerUseSSL: true,
      OutgoingMailServerUsername: "alice@example.test",
      OutgoingPasswordSameAsIncomingPassword: true,
      PayloadDescription: "Mail account alice@example.test",
      PayloadDisplayName: "alice@example.test",
      PayloadType: "com.apple.mail.managed",
      PayloadVersion: 1,
      PayloadUUID: undefined,
      PayloadIdentifier: undefined,
    },
  );
  assert.notEqual(mail.PayloadUUID, plist.PayloadUUID);
  // The same account gets the same identifiers (installing it again replaces the profile).
  assert.equal(appleProfile(ALL_ON, "alice@example.test", en.account)?.body, profile.body);
  assert.equal(plist587.PayloadContent[0]?.OutgoingMailServerPortNumber, 587);
  assert.equal(appleProfile({ ...ALL_ON, imaps: null }, "alice@example.test", en.account), null);
  assert.equal(appleProfile({ ...ALL_ON, submissions: null, submission: null }, "alice@example.test", en.account), null);
  assert.equal(plist.PayloadDisplayName, "Mail: alice@example.test");
  assert.match(String(plist.PayloadDescription), /^Mail settings for alice@example\.test on mx\.sealpost\.test/);
});

test("Apple's profile speaks the page's language: what the device shows on install is German for a German page", () => {
  const [plist] = parse([{ kind: "plist", text: appleProfile(ALL_ON, "alice@example.test", de.account)?.body ?? "" }]) as Array<
    Record<string, unknown> & { PayloadContent: Array<Record<string, unknown>> }
  >;
  assert.equal(plist?.PayloadDisplayName, "E-Mail: alice@example.test");
  assert.match(String(plist?.PayloadDescription), /^E-Mail-Einstellungen für alice@example\.test auf mx\.sealpost\.test/);
  assert.equal(plist?.PayloadContent[0]?.PayloadDescription, "E-Mail-Konto alice@example.test");
  assert.equal(plist?.PayloadContent[0]?.EmailAccountDescription, "alice@example.test", "the account keeps its address as its name");
});

test("a hostile address stays text in every document: quotes, <, &, and characters XML cannot carry", () => {
  const hostile = `"a<b>&c'</username><x y='1'>"\u0001@example.test`;
  const [tb, ad, plist] = parse([
    { kind: "xml", text: thunderbirdConfig(ALL_ON, "example.test", hostile) },
    { kind: "xml", text: autodiscoverResponse(ALL_ON, hostile) },
    { kind: "plist", text: appleProfile(ALL_ON, hostile, en.account)?.body ?? "" },
  ]) as [Rows, Rows, { PayloadContent: Array<Record<string, unknown>> }];
  const expected = hostile.replace("\u0001", "\uFFFD");
  assert.deepEqual([...new Set(texts(tb, "clientConfig/emailProvider/incomingServer/username"))], [expected]);
  assert.equal(tb.filter(([p]) => p.endsWith("/x")).length, 0);
  assert.deepEqual([...new Set(texts(ad, "Autodiscover/Response/Account/Protocol/LoginName"))], [expected]);
  assert.equal(plist.PayloadContent[0]?.EmailAddress, expected);
});

const REQUEST = (address: string, extra = ""): string => `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <!-- Outlook's request -->
  <Request>
    <EMailAddress>${address}</EMailAddress>${extra}
    <AcceptableResponseSchema>${OUTLOOK_SCHEMA}</AcceptableResponseSchema>
  </Request>
</Autodiscover>`;

test("an Autodiscover request's address and schema; prefixes, CDATA and references are XML's", () => {
  assert.deepEqual(readAutodiscoverRequest(REQUEST("alice@example.test")), { address: "alice@example.test", schema: OUTLOOK_SCHEMA });
  assert.deepEqual(readAutodiscoverRequest(`\uFEFF<a:Autodiscover xmlns:a="x"><a:Request><a:EMailAddress>o&apos;brien&#x26;co@example.test</a:EMailAddress></a:Request></a:Autodiscover>`), {
    address: "o'brien&co@example.test",
    schema: null,
  });
  assert.equal(readAutodiscoverRequest(REQUEST("<![CDATA[bob@example.test]]>"))?.address, "bob@example.test");
  assert.equal(readAutodiscoverRequest(REQUEST("x@example.test", `<Legacy attr="1 &amp; 2"/>`))?.address, "x@example.test");
});

// Attributes are not read (the parser ignores them), so a bare "&" in one elsewhere is not judged.
test("an Autodiscover request that is not well formed, defines entities or lacks the address is refused", () => {
  const refused = [
    "",
    "not xml",
    REQUEST("alice@example.test").replace("</Request>", ""),
    REQUEST("alice@example.test") + "<Autodiscover/>",
    REQUEST("a&b@example.test"),
    REQUEST("&ent;@example.test"),
    REQUEST("&#0;@example.test"),
    REQUEST("   "),
    REQUEST("alice@example.test").replace("<Request>", "<Other>").replace("</Request>", "</Other>"),
    `<!DOCTYPE a [<!ENTITY e "alice@example.test">]><Autodiscover><Request><EMailAddress>&e;</EMailAddress></Request></Autodiscover>`,
    `<Autodiscover><Request><EMailAddress>x@example.test</EMailAddress></Request></Autodiscover> trailing`,
    `${"<a>".repeat(20)}${"</a>".repeat(20)}`,
  ];
  for (const body of refused) assert.equal(readAutodiscoverRequest(body), null, body);
});
