/**
 * The sanitiser with the classics of hostile HTML mail (no browser: what comes out is checked as
 * text). The end-to-end corpus in Chromium is test/webmail-hostile.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { mayLoadRemote, sanitizeMail } from "./mail-sanitize.ts";

const clean = (s: string, remote = false): string => sanitizeMail(s, { remote, inline: (cid) => (cid === "logo@x" ? "data:image/png;base64,AAAA" : null) });

/** What must never be in the output: a tag or attribute that runs, loads or submits anything. */
const FORBIDDEN = /<\s*(?:script|style|iframe|object|embed|form|input|button|base|meta|link|svg|math|frame|frameset|video|audio|source|template|noscript|textarea|select)\b|\son[a-z]+\s*=|javascript:|vbscript:|data:text|tracker|url\(|@import|expression\(|srcset|background=|poster|xlink|formaction|ping=/i;

const CORPUS: Record<string, string> = {
  script: `<script>document.title="pwned"</script><p>text</p>`,
  "script in upper case, broken": `<SCRIPT SRC=http://tracker/x.js></SCRIPT><scr<script>ipt>alert(1)</script>`,
  "img onerror": `<img src=x onerror="fetch('http://tracker/e')">`,
  "body onload": `<body onload="alert(1)"><p>x</p></body>`,
  "javascript: href": `<a href="javascript:alert(1)">a</a>`,
  "javascript: with entities and tabs": `<a href="jav&#x09;a&#10;script&colon;alert(1)">a</a><a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">b</a>`,
  "data:text/html link": `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">d</a>`,
  "svg onload": `<svg onload="alert(1)"><image href="http://tracker/s"/></svg>`,
  "svg use and foreignObject": `<svg><use href="http://tracker/u#x"/><foreignObject><img src="http://tracker/f"></foreignObject></svg>`,
  "mathml href": `<math><mi xlink:href="javascript:alert(1)" href="http://tracker/m">m</mi></math>`,
  "css url in style": `<p style="background:url(http://tracker/b)">p</p><div style="background-image: url('http://tracker/c')">d</div>`,
  "css escapes": `<p style="background:u\\72l(http://tracker/e)">e</p>`,
  "style element with import": `<style>@import url(http://tracker/i.css); p{background:url(http://tracker/p)}</style>`,
  "link stylesheet": `<link rel="stylesheet" href="http://tracker/l.css">`,
  "meta refresh": `<meta http-equiv="refresh" content="0;url=http://tracker/r">`,
  "base href": `<base href="http://tracker/"><a href="x">x</a>`,
  form: `<form action="http://tracker/f"><input name=a autofocus onfocus="alert(1)"><button formaction="http://tracker/g">go</button></form>`,
  "background attribute": `<table background="http://tracker/t"><tr><td background="http://tracker/td">c</td></tr></table>`,
  srcset: `<img srcset="http://tracker/1x.png 1x, http://tracker/2x.png 2x">`,
  "video poster": `<video poster="http://tracker/p"><source src="http://tracker/v"></video>`,
  "object data": `<object data="http://tracker/o"></object><embed src="http://tracker/e">`,
  iframe: `<iframe src="http://tracker/i"></iframe><iframe srcdoc="<script>alert(1)</script>"></iframe>`,
  "noscript mXSS": `<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`,
  "comment break-out": `<!--<img src="--><img src=x onerror=alert(1)//">`,
  "nested comments": `<!-- <!-- --> <img src=http://tracker/n> -->`,
  "template": `<template><img src=x onerror=alert(1)></template>`,
  "unclosed markup": `<p><a href="http://ok.example/"<img src=http://tracker/u>`,
  "textarea break-out": `<textarea></textarea><img src=x onerror=alert(1)></textarea>`,
  "protocol-relative image": `<img src="//tracker/pr">`,
  "vbscript": `<a href="vbscript:msgbox(1)">v</a>`,
  "a ping": `<a href="https://ok.example/" ping="http://tracker/ping">ok</a>`,
};

test("sanitiser: every attack of the corpus comes out harmless", () => {
  assert.ok(Object.keys(CORPUS).length >= 30);
  for (const [name, input] of Object.entries(CORPUS)) {
    const out = clean(input);
    assert.doesNotMatch(out, FORBIDDEN, `${name}: ${out}`);
    assert.doesNotMatch(out, /<img[^>]*\ssrc=/i, `${name}: no image loads: ${out}`);
  }
});

test("sanitiser: what mail needs survives — text, tables, safe styles, links that open apart, inline pictures", () => {
  assert.equal(clean(`<p style="color: red; font-family: 'Arial', sans-serif; width: expression(alert(1))">Hi <b>you</b></p>`), `<p style="color:red;font-family:'Arial', sans-serif">Hi <b>you</b></p>`);
  assert.equal(clean(`<a href="https://ok.example/a?b=1&amp;c=2" target="_self">x</a>`), `<a href="https://ok.example/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">x</a>`);
  assert.equal(clean(`<a href="mailto:bob@example.test">m</a>`), `<a href="mailto:bob@example.test" target="_blank" rel="noopener noreferrer">m</a>`);
  assert.equal(clean(`<a href="/mail/f/1/actions">relative</a>`), `<a>relative</a>`, "no link into the console");
  assert.equal(clean(`<img src="cid:logo@x" alt="Logo">`), `<img alt="Logo" src="data:image/png;base64,AAAA" />`);
  assert.equal(clean(`<img src="cid:other@x" alt="gone">`), `<img alt="gone" />`);
  assert.equal(clean(`<img src="data:image/svg+xml;base64,PHN2Zz4=">`), `<img />`, "an SVG is a document, not a picture");
  assert.equal(clean(`<table border="1" cellpadding="2"><tr><td colspan="2" bgcolor="#eee">c</td></tr></table>`), `<table border="1" cellpadding="2"><tr><td colspan="2" bgcolor="#eee">c</td></tr></table>`);
  assert.equal(clean(`<p>a &lt;script&gt; b</p>`), `<p>a &lt;script&gt; b</p>`);
});

test("sanitiser: remote images only when the user asked, and then only http(s) <img src>", () => {
  assert.equal(clean(`<img src="http://tracker/x.png" alt="x">`), `<img alt="x" />`);
  assert.equal(clean(`<img src="http://tracker/x.png" alt="x">`, true), `<img alt="x" src="http://tracker/x.png" />`);
  assert.equal(clean(`<img src="https://tracker/x.png" srcset="https://tracker/2.png 2x">`, true), `<img src="https://tracker/x.png" />`);
  assert.doesNotMatch(clean(`<p style="background:url(http://tracker/b)">p</p><table background="http://tracker/t"></table>`, true), /tracker/, "CSS and background stay out even then");
  assert.equal(clean(`<img src="javascript:alert(1)">`, true), `<img />`);
});

test("mayLoadRemote: finds what a frame would load, with no sanitising pass", () => {
  for (const s of [`<img src="http://t/x">`, `<img SRC = 'https://t/x'>`, `<td background=//t/b>`, `<p style="background: url( 'http://t/u')">`, `<style>@import "x.css"</style>`, `<link rel=stylesheet href=x>`, `<img srcset="http://t/1 1x">`]) assert.ok(mayLoadRemote(s), s);
  for (const s of [`<p>plain <a href="https://example.test/">link</a></p>`, `<img src="cid:logo">`, `<img src="data:image/png;base64,AA">`]) assert.equal(mayLoadRemote(s), false, s);
});
