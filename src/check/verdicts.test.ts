import assert from "node:assert/strict";
import { test } from "node:test";
import { certInfo, facts, versions } from "../../test/support/check-targets.ts";
import { buildVerdicts, legacyClientsVerdict, strictSendersVerdict } from "./verdicts.ts";

test("strict senders reach a modern MX with a valid certificate", () => {
  const v = strictSendersVerdict(facts());
  assert.equal(v.ok, true);
  assert.equal(
    v.text,
    "Mail from senders that require TLS 1.2 and a valid certificate (e.g. Microsoft 365) will reach this server: " +
      "it offers TLS 1.3 and TLS 1.2 with a trusted certificate for mx.example.net, valid until 2026-09-17.",
  );
});

test("strict senders: the reason names the expiry date", () => {
  const v = strictSendersVerdict(facts({ certificate: certInfo({ notAfter: "2026-01-05T10:00:00.000Z" }) }));
  assert.equal(v.ok, false);
  assert.equal(
    v.text,
    "Mail from senders that require TLS 1.2 and a valid certificate (e.g. Microsoft 365) will not reach this server, because its certificate expired on 2026-01-05.",
  );
});

test("strict senders: every reason is given", () => {
  const v = strictSendersVerdict(
    facts({
      protocols: versions(["TLSv1", "TLSv1.1"]),
      certificate: certInfo({ selfSigned: true, trusted: false, verifyError: "DEPTH_ZERO_SELF_SIGNED_CERT", nameChecks: [{ name: "mx.example.net", matches: false }] }),
    }),
  );
  assert.equal(v.ok, false);
  assert.match(v.text, /because it offers only TLS 1\.0 and TLS 1\.1, its certificate is self-signed and its certificate does not name mx\.example\.net\.$/);
});

test("strict senders: untrusted chain, not yet valid, unreadable certificate, no STARTTLS", () => {
  assert.match(strictSendersVerdict(facts({ certificate: certInfo({ trusted: false, verifyError: "UNABLE_TO_GET_ISSUER_CERT_LOCALLY" }) })).text, /does not chain to a trusted root \(UNABLE_TO_GET_ISSUER_CERT_LOCALLY\)/);
  assert.match(strictSendersVerdict(facts({ certificate: certInfo({ notBefore: "2026-04-01T00:00:00.000Z" }) })).text, /valid only from 2026-04-01/);
  assert.match(strictSendersVerdict(facts({ certificate: null })).text, /because its certificate could not be read\.$/);
  const none = strictSendersVerdict(facts({ starttls: { protocol: "smtp", offered: false, injection: "not-tested", detail: "" }, protocols: [], ciphers: [], certificate: null }));
  assert.equal(none.ok, false);
  assert.match(none.text, /will not reach this server, because it does not offer STARTTLS\.$/);
});

test("strict senders: ports 465 and 587 count as mail ports, IMAP does not", () => {
  const submission = strictSendersVerdict(facts({ target: { host: "mail.example.net", port: 465, address: "192.0.2.1", servername: "mx.example.net", access: "tls" }, starttls: null }));
  assert.match(submission.text, /^Mail from senders .* will reach this server/);
  const imap = strictSendersVerdict(facts({ target: { host: "mx.example.net", port: 993, address: "192.0.2.1", servername: "mx.example.net", access: "tls" }, starttls: null }));
  assert.equal(imap.ok, true);
  assert.match(imap.text, /^This is not a mail server port \(implicit TLS on port 993\), so senders do not deliver here; clients that require TLS 1\.2 and a valid certificate will be able to connect/);
  const imapBad = strictSendersVerdict(
    facts({ target: { host: "mx.example.net", port: 143, address: "192.0.2.1", servername: "mx.example.net", access: "imap" }, starttls: null, certificate: certInfo({ notAfter: "2026-01-05T00:00:00.000Z" }) }),
  );
  assert.match(imapBad.text, /IMAP with STARTTLS on port 143.* will not be able to connect, because its certificate expired on 2026-01-05\.$/);
});

test("strict senders: an address target without names says the names were not checked", () => {
  const v = strictSendersVerdict(facts({ target: { host: "192.0.2.25", port: 25, address: "192.0.2.25", servername: null, access: "smtp" }, certificate: certInfo({ nameChecks: [] }) }));
  assert.equal(v.ok, true);
  assert.match(v.text, /its names were not checked/);
});

test("legacy clients: TLS 1.0 still offered, or only TLS 1.2 and 1.3", () => {
  const old = legacyClientsVerdict(facts({ protocols: versions(["TLSv1", "TLSv1.2", "TLSv1.3"]) }));
  assert.deepEqual(old, { ok: true, text: "Mail programs limited to TLS 1.0/1.1 will be able to connect (the server still offers TLS 1.0)." });
  const both = legacyClientsVerdict(facts({ protocols: versions(["TLSv1", "TLSv1.1", "TLSv1.2"]) }));
  assert.match(both.text, /still offers TLS 1\.0 and TLS 1\.1\)\.$/);
  const modern = legacyClientsVerdict(facts());
  assert.deepEqual(modern, { ok: false, text: "Mail programs limited to TLS 1.0/1.1 will not be able to connect: the server offers only TLS 1.2 and 1.3." });
  assert.match(legacyClientsVerdict(facts({ protocols: versions(["TLSv1.2"]) })).text, /offers only TLS 1\.2\.$/);
  assert.match(legacyClientsVerdict(facts({ protocols: versions([]) })).text, /no TLS handshake with the server succeeded/);
  const noStarttls = legacyClientsVerdict(facts({ starttls: { protocol: "imap", offered: false, injection: "not-tested", detail: "" }, protocols: [] }));
  assert.match(noStarttls.text, /does not offer STARTTLS at all/);
});

test("both verdicts say the check did not run when it did not", () => {
  const v = buildVerdicts(facts({ error: "connect ECONNREFUSED 127.0.0.1:25", protocols: [], certificate: null, starttls: null }));
  assert.equal(v.strictSenders.ok, false);
  assert.match(v.strictSenders.text, /check did not run \(connect ECONNREFUSED/);
  assert.equal(v.legacyClients.ok, false);
  assert.match(v.legacyClients.text, /^Could not tell/);
});
