import assert from "node:assert/strict";
import { test } from "node:test";
import { html } from "./html.ts";

test("interpolated text is escaped; only html results go in as markup", () => {
  const evil = `<script>alert("x")</script>&'`;
  assert.equal(html`<td>${evil}</td>`.toString(), "<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</td>");
  assert.equal(html`<a title="${evil}">`.toString(), '<a title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">');
  const rows = ["a<b", "c"].map((x) => html`<li>${x}</li>`);
  assert.equal(html`<ul>${rows}</ul>`.toString(), "<ul><li>a&lt;b</li><li>c</li></ul>");
  assert.equal(html`${null}${undefined}${false}${0}`.toString(), "0");
});
