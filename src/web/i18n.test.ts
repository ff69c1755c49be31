import assert from "node:assert/strict";
import { test } from "node:test";
import { pickLang, textFor } from "./i18n.ts";

test("the cookie wins; else Accept-Language by q-value; else English", () => {
  assert.equal(pickLang("de", "en-US,en;q=0.9"), "de");
  assert.equal(pickLang(undefined, "de-DE,de;q=0.9,en;q=0.8"), "de");
  assert.equal(pickLang(undefined, "fr-FR, en;q=0.5, de;q=0.7"), "de");
  assert.equal(pickLang(undefined, "fr-FR"), "en");
  assert.equal(pickLang("xx", "de;q=0"), "en");
  assert.equal(pickLang(undefined, undefined), "en");
});

test("both catalogues name every device kind and its error messages", () => {
  for (const lang of ["en", "de"] as const) {
    const t = textFor(lang);
    for (const [kind, hint] of Object.entries(t.devices)) {
      assert.ok(hint.length > 10, `${lang} ${kind}`);
      assert.ok((t.deviceErrors as Record<string, readonly string[]>)[kind]?.length, `${lang} errors ${kind}`);
    }
  }
  assert.match(textFor("de").deviceErrors.tls10.join(" "), /0x800CCC1A/);
});
