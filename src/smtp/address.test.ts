import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePathArgs } from "./address.ts";
import { SmtpError } from "./errors.ts";

test("paths, the null sender and parameters", () => {
  const a = parsePathArgs("<alice@example.test> SIZE=100 BODY=8BITMIME SMTPUTF8", { allowNull: true, what: "sender" });
  assert.equal(a.address, "alice@example.test");
  assert.equal(a.params.get("SIZE"), "100");
  assert.equal(a.params.get("BODY"), "8BITMIME");
  assert.ok(a.params.has("SMTPUTF8") && a.params.get("SMTPUTF8") === undefined);
  assert.equal(parsePathArgs("<>", { allowNull: true, what: "sender" }).address, "");
  assert.equal(parsePathArgs(" <\"john doe\"@example.test>", { allowNull: false, what: "recipient" }).address, '"john doe"@example.test');
  assert.equal(parsePathArgs("<@relay.test:bob@example.test>", { allowNull: false, what: "recipient" }).address, "bob@example.test");
  assert.equal(parsePathArgs("<ü@bücher.test>", { allowNull: false, what: "recipient" }).address, "ü@bücher.test");
  assert.equal(parsePathArgs("<x@[127.0.0.1]>", { allowNull: false, what: "recipient" }).address, "x@[127.0.0.1]");
});

test("bad syntax gets 501 with the sender or destination enhanced code", () => {
  const bad = (s: string, what: "sender" | "recipient", allowNull = false): SmtpError => {
    try {
      parsePathArgs(s, { allowNull, what });
    } catch (e) {
      assert.ok(e instanceof SmtpError);
      return e;
    }
    assert.fail(`accepted ${s}`);
  };
  assert.equal(bad("alice@example.test", "sender").code, 501);
  assert.equal(bad("<alice>", "sender").status, "5.1.7");
  assert.equal(bad("<>", "recipient").status, "5.1.3");
  assert.equal(bad("<a@b.test>x", "recipient").code, 501);
  assert.equal(bad(`<${"a".repeat(65)}@b.test>`, "recipient").code, 501);
  assert.equal(bad("<a b@c.test>", "recipient").code, 501);
  assert.equal(bad("<a@b.test> =x", "recipient").status, "5.5.4");
});
