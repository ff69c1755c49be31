import { test } from "node:test";
import assert from "node:assert/strict";
import { SmtpError } from "../smtp/index.ts";
import { checkAuthor, ownsAddress } from "./author-check.ts";

const ACCOUNT = "alice@xn--bcher-kva.test";
const RECEIVED = Buffer.from("Received: from client by mx id 1\r\n\tfor <bob@x.test>; Mon, 1 Jan 2026 00:00:00 +0000\r\n");

/** The refusal's "code status text" for the header, or "ok". */
function verdict(header: string, parts: Buffer[] = [RECEIVED, Buffer.from(`${header}Subject: s\r\n\r\nbody\r\nFrom: in the body <boss@other.test>\r\n`)]): string {
  try {
    checkAuthor(ACCOUNT, parts);
    return "ok";
  } catch (e) {
    assert.ok(e instanceof SmtpError);
    return `${e.code} ${e.status ?? ""} ${e.text}`;
  }
}

test("ownsAddress: the local part case-insensitive, the domain as A-labels (a U-label spelling is the same domain)", () => {
  assert.equal(ownsAddress(ACCOUNT, "Alice@XN--BCHER-KVA.test"), true);
  assert.equal(ownsAddress(ACCOUNT, "alice@bücher.test"), true);
  assert.equal(ownsAddress(ACCOUNT, "alice@BÜCHER.test"), true);
  assert.equal(ownsAddress(ACCOUNT, "alice+tag@bücher.test"), false);
  assert.equal(ownsAddress(ACCOUNT, "alice@bucher.test"), false);
  assert.equal(ownsAddress(ACCOUNT, "alice@bücher.test.evil.test"), false);
  assert.equal(ownsAddress(ACCOUNT, "alice@[127.0.0.1]"), false);
  assert.equal(ownsAddress(ACCOUNT, "alice"), false);
  assert.equal(ownsAddress(ACCOUNT, "@bücher.test"), false);
});

test("checkAuthor: display names, comments, quoted local parts, folding and 'From :' pass for the account's own address", () => {
  assert.equal(verdict("From: alice@bücher.test\r\n"), "ok");
  assert.equal(verdict('From: "Boss <boss@other.test>" <alice@xn--bcher-kva.test>\r\n'), "ok");
  assert.equal(verdict('From: "alice"@XN--BCHER-KVA.TEST (Alice)\r\nSender: Alice\r\n <alice@bücher.test>\r\n'), "ok");
  assert.equal(verdict("From :\r\n alice@bücher.test\r\n"), "ok");
});

test("checkAuthor: another address anywhere in From or Sender, a group, an empty field, a second field are refused", () => {
  const notOwned = (field: string, address: string): string => `550 5.7.1 <${address}>: ${field} address rejected: not owned by user ${ACCOUNT}`;
  assert.equal(verdict("From: boss@other.test\r\n"), notOwned("From", "boss@other.test"));
  assert.equal(verdict('From: "alice@bücher.test" <boss@other.test>\r\n'), notOwned("From", "boss@other.test"));
  assert.equal(verdict('From: "boss@other.test"@bücher.test\r\n'), notOwned("From", "boss@other.test@bücher.test"));
  assert.equal(verdict("From: alice@bücher.test,\r\n\tboss@other.test\r\n"), notOwned("From", "boss@other.test"));
  assert.equal(verdict("From: team: alice@bücher.test, boss@other.test;\r\n"), notOwned("From", "boss@other.test"));
  assert.equal(verdict("FROM  : boss@other.test\r\n"), notOwned("From", "boss@other.test"));
  assert.equal(verdict("From: alice@bücher.test\r\nSender: boss@other.test\r\n"), notOwned("Sender", "boss@other.test"));
  assert.equal(verdict("From: undisclosed-senders:;\r\n"), "550 5.7.1 Error: no address in the From header field");
  assert.equal(verdict("From: alice@bücher.test\r\nSender:\r\n"), "550 5.7.1 Error: no address in the Sender header field");
  assert.equal(verdict(""), "550 5.7.1 Error: message has no From header field (RFC 5322 §3.6 requires one)");
  assert.equal(verdict("From: alice@bücher.test\r\nfrom: alice@bücher.test\r\n"), "550 5.7.1 Error: message has 2 From header fields (RFC 5322 §3.6 allows one)");
  assert.equal(verdict("From: alice@bücher.test\r\nSender: alice@bücher.test\r\nSender: alice@bücher.test\r\n"), "550 5.7.1 Error: message has 2 Sender header fields (RFC 5322 §3.6 allows one)");
});

test("checkAuthor: a header section longer than the head that is read cannot be checked, and is refused", () => {
  const junk = "X-Junk: 0123456789012345678901234567890123456789\r\n".repeat(6000); // 300 KB
  const long = [RECEIVED, Buffer.from(`${junk}From: alice@bücher.test\r\n\r\nbody\r\n`)];
  assert.match(verdict("", long), /^552 5\.3\.4 Error: header section longer than \d+ bytes; its From field cannot be checked$/);
  // A long body behind a short header is no reason.
  const body = [RECEIVED, Buffer.from(`From: alice@bücher.test\r\n\r\n${junk}`)];
  assert.equal(verdict("", body), "ok");
});
