import { test } from "node:test";
import assert from "node:assert/strict";
import { formatAddresses, parseAddressField, parseMessageRef, parsePartRef, quoteText, replyRecipients, replySubject, threadHeaders, type OriginalHeaders } from "./mail-compose.ts";

test("address fields: bare, named, quoted names with commas, semicolons; the first bad one is named", () => {
  const r = parseAddressField('bob@example.test, "Müller, Hans" <hans@example.de>; Carol <carol@x.test> ,');
  assert.ok(r.ok);
  assert.deepEqual(r.list, [
    { name: "", address: "bob@example.test" },
    { name: "Müller, Hans", address: "hans@example.de" },
    { name: "Carol", address: "carol@x.test" },
  ]);
  assert.deepEqual(parseAddressField("ok@x.test, bob@, c@x.test"), { ok: false, bad: "bob@" });
  assert.deepEqual(parseAddressField("just a name"), { ok: false, bad: "just a name" });
  assert.deepEqual(parseAddressField("a@x.test\r\nBcc: evil@x.test"), { ok: false, bad: "a@x.test\r\nBcc: evil@x.test" });
  assert.deepEqual(parseAddressField("   "), { ok: true, list: [] });
});

test("addresses go back into the form as they parse", () => {
  const list = [{ name: "Müller, Hans", address: "hans@example.de" }, { name: "", address: "a@x.test" }, { name: "Bob Li", address: "b@x.test" }];
  assert.equal(formatAddresses(list), '"Müller, Hans" <hans@example.de>, a@x.test, Bob Li <b@x.test>');
  const again = parseAddressField(formatAddresses(list));
  assert.ok(again.ok);
  assert.deepEqual(again.list, list);
});

test("subjects: one Re: or Fwd:, however many the original had (AW:, WG: too)", () => {
  assert.equal(replySubject("Hello", "reply"), "Re: Hello");
  assert.equal(replySubject("Re: RE: AW: Hello", "all"), "Re: Hello");
  assert.equal(replySubject("Re[2]: Hello", "reply"), "Re: Hello");
  assert.equal(replySubject("Fwd: WG: Hello", "forward"), "Fwd: Hello");
  assert.equal(replySubject("Re: Hello", "forward"), "Fwd: Re: Hello");
  assert.equal(replySubject("", "reply"), "Re: ");
});

const original: OriginalHeaders = {
  from: [{ name: "Bob", address: "bob@example.test" }],
  replyTo: [],
  to: [{ name: "", address: "alice@example.test" }, { name: "Dan", address: "dan@remote.test" }],
  cc: [{ name: "", address: "ALICE@example.test" }, { name: "", address: "erin@remote.test" }, { name: "", address: "dan@remote.test" }],
  subject: "Hi",
  messageId: "<m3@example.test>",
  inReplyTo: "<m2@example.test>",
  references: "<m1@example.test> <m2@example.test>",
};

test("reply goes to Reply-To, else From; reply all adds the others, never the writer, each once", () => {
  assert.deepEqual(replyRecipients(original, "reply", "alice@example.test"), { to: [{ name: "Bob", address: "bob@example.test" }], cc: [] });
  assert.deepEqual(replyRecipients({ ...original, replyTo: [{ name: "", address: "list@example.test" }] }, "reply", "alice@example.test").to, [{ name: "", address: "list@example.test" }]);
  const all = replyRecipients(original, "all", "alice@example.test");
  assert.deepEqual(all.to.map((m) => m.address), ["bob@example.test", "dan@remote.test"]);
  assert.deepEqual(all.cc.map((m) => m.address), ["erin@remote.test"]);
});

test("In-Reply-To and References (RFC 5322 §3.6.4)", () => {
  assert.deepEqual(threadHeaders(original), { inReplyTo: "<m3@example.test>", references: ["<m1@example.test>", "<m2@example.test>", "<m3@example.test>"] });
  assert.deepEqual(threadHeaders({ messageId: "<m2@x>", inReplyTo: "<m1@x>", references: null }), { inReplyTo: "<m2@x>", references: ["<m1@x>", "<m2@x>"] });
  assert.deepEqual(threadHeaders({ messageId: "<m1@x>", inReplyTo: null, references: null }), { inReplyTo: "<m1@x>", references: ["<m1@x>"] });
  assert.equal(threadHeaders({ messageId: null, inReplyTo: null, references: null }), null);
  const long = Array.from({ length: 100 }, (_, i) => `<r${i}@x>`).join(" ");
  const refs = threadHeaders({ messageId: "<new@x>", inReplyTo: null, references: long })?.references ?? [];
  assert.equal(refs.length, 30);
  assert.equal(refs[0], "<r0@x>", "the thread's first is kept");
  assert.equal(refs.at(-1), "<new@x>");
});

test("quoting: an intro line, every line with > before it", () => {
  assert.equal(quoteText("On 1 Jan, Bob wrote:", "Hi\r\n\r\n> earlier\r\nbye\r\n"), "On 1 Jan, Bob wrote:\n> Hi\n>\n>> earlier\n> bye\n");
});

test("message and part references as the links write them", () => {
  assert.deepEqual(parseMessageRef("12.345"), { box: 12, uid: 345 });
  for (const bad of ["12", "0.1", "1.0", "a.b", "1.2.3", "", undefined, "99999999999999999.1"]) assert.equal(parseMessageRef(bad), null, String(bad));
  assert.deepEqual(parsePartRef("12.3.1.2"), { box: 12, uid: 3, section: [1, 2] });
  assert.deepEqual(parsePartRef("12.3.2"), { box: 12, uid: 3, section: [2] });
  for (const bad of ["12.3", "12.3.0", "12.3.x", "12.3.1..2"]) assert.equal(parsePartRef(bad), null, bad);
});
