/**
 * Hostile mail is harmless (issue 14's Done-when): a corpus of HTML and MIME attacks is APPENDed and
 * each message opened in Chromium. A local "tracker" HTTP server that every attack points at records
 * every request; the test asserts it gets none, that no dialog opens, no script's console message
 * appears, the titles, window name and a sentinel stay as they were, nothing navigates away, and the
 * frame's DOM holds nothing that runs, loads or submits. Then, for one message, "Load remote
 * content" makes the tracker get its picture (so the tracker would have seen a leak), and a
 * download whose file name carries CR/LF and quotes cannot add a header.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Frame, Page } from "playwright-core";
import { eventually, startSealpost } from "./harness.ts";
import { launchChromium, newContext, signIn, shot } from "./support/browser.ts";
import { crlf, folderId, imapAppend } from "./support/mail-read.ts";

const ALICE = "alice@example.test";
const PW = "correct horse battery";
/** What a script would leave behind if one ran: in titles, the window's name, the console, a dialog. */
const PWNED = "PWNED";

/** A single-part HTML message; the body base64-encoded so that broken markup arrives byte for byte. */
function htmlMail(subject: string, body: string, o: { charset?: string; headers?: string } = {}): string {
  return crlf(`From: attacker@evil.test
To: alice@example.test
Subject: ${subject}
${o.headers ?? ""}MIME-Version: 1.0
Content-Type: text/html; charset=${o.charset ?? "utf-8"}
Content-Transfer-Encoding: base64

${Buffer.from(body, "utf8").toString("base64").replace(/(.{76})/g, "$1\n")}
`);
}

/** The attacks, each pointing at the tracker `t` ("http://127.0.0.1:PORT"): [name, message]. */
function corpus(t: string): Array<[string, string]> {
  const js = `fetch('${t}/js');document.title='${PWNED}';window.top.name='${PWNED}';window.pwned=1;console.log('${PWNED}');alert('${PWNED}')`;
  const b64 = (s: string): string => Buffer.from(s).toString("base64");
  const list: Array<[string, string]> = [
    ["script tag", `<p>hi</p><script>${js}</script>`],
    ["script src", `<script src="${t}/script.js"></script>`],
    ["img onerror", `<img src=x onerror="${js}">`],
    ["body onload", `<body onload="${js}"><p>x</p></body>`],
    ["img src", `<img src="${t}/img.png" alt="pixel">`],
    ["img srcset", `<img srcset="${t}/srcset-1x.png 1x, ${t}/srcset-2x.png 2x">`],
    ["protocol-relative img", `<img src="${t.replace("http:", "")}/pr.png">`],
    ["picture source", `<picture><source srcset="${t}/source.png"><img src="${t}/picture.png"></picture>`],
    ["css url in style attribute", `<div style="background-image:url('${t}/bg-attr.png');width:50px;height:50px">x</div>`],
    ["css escape spells url", `<div style="background:u\\72l(${t}/escaped.png)">x</div>`],
    ["style element @import", `<style>@import url("${t}/import.css"); body{background:url(${t}/style-bg.png)}</style><p>x</p>`],
    ["link stylesheet", `<link rel="stylesheet" href="${t}/link.css"><link rel="prefetch" href="${t}/prefetch"><p>x</p>`],
    ["background attribute", `<table background="${t}/table-bg.png"><tr><td background="${t}/td-bg.png">c</td></tr></table><body background="${t}/body-bg.png">`],
    ["video poster", `<video poster="${t}/poster.png" src="${t}/video.mp4" autoplay></video><audio src="${t}/audio.mp3" autoplay></audio>`],
    ["object and embed", `<object data="${t}/object.swf"></object><embed src="${t}/embed.swf">`],
    ["iframe", `<iframe src="${t}/iframe.html"></iframe><iframe srcdoc="<script>${js}</script>"></iframe>`],
    ["meta refresh", `<meta http-equiv="refresh" content="0;url=${t}/refresh"><p>x</p>`],
    ["form autofocus onfocus", `<form action="${t}/form" method="post"><input autofocus onfocus="${js}" name="q"><button formaction="${t}/formaction">go</button></form>`],
    ["base href", `<base href="${t}/"><img src="relative.png"><a href="relative">rel</a>`],
    ["svg image, use, foreignObject", `<svg><image href="${t}/svg-image.png"/><use href="${t}/svg-use.svg#a"/><foreignObject><img src="${t}/svg-fo.png"></foreignObject><script>${js}</script></svg>`],
    ["svg onload", `<svg onload="${js}"><animate onbegin="${js}" attributeName="x" dur="1s"/></svg>`],
    ["mathml href", `<math><mtext><a href="javascript:${js}">m</a></mtext><mi href="${t}/mathml">x</mi></math>`],
    ["javascript: href with entities and tabs", `<a href="jav&#x09;ascript&colon;${js}">a</a><a href="&#106;avascript:${js}">b</a><a href=" JaVaScRiPt:${js}">c</a>`],
    ["data:text/html link", `<a href="data:text/html;base64,${b64(`<script>${js}</script>`)}">d</a><a href="data:image/svg+xml;base64,${b64(`<svg onload="${js}"/>`)}">e</a>`],
    ["noscript mXSS", `<noscript><p title="</noscript><img src=${t}/noscript.png onerror=${js}>"></noscript>`],
    ["nested comments", `<!-- <!-- --> <img src="${t}/comment.png"> --><!--><img src="${t}/comment2.png">-->`],
    ["broken, unclosed markup", `<p><a href="http://ok.example/"<img src=${t}/broken.png onerror=${js}> <div <img src=${t}/broken2.png`],
    ["mXSS namespace confusion", `<math><mtext><table><mglyph><style><img src=${t}/mxss.png onerror=${js}>`],
    ["template and textarea break-out", `<template><img src=${t}/template.png></template><textarea></textarea><img src=${t}/textarea.png onerror="${js}"></textarea>`],
    ["ping and dns-prefetch", `<a href="https://ok.example/" ping="${t}/ping">ok</a><link rel="dns-prefetch" href="${t}/dns">`],
    ["css expression and behaviour", `<p style="width:expression(alert(1));behavior:url(${t}/behavior.htc);list-style-image:url(${t}/list.png)">x</p>`],
    ["xml/xhtml namespaces", `<html xmlns:x="http://www.w3.org/1999/xhtml"><x:script>${js}</x:script><x:img src="${t}/ns.png"/></html>`],
  ];
  const messages: Array<[string, string]> = list.map(([name, body]) => [name, htmlMail(`Attack: ${name}`, body)]);
  // Header tricks: encoded-words that decode to markup; a charset that hides markup from a naive reader.
  messages.push([
    "encoded-word script in headers",
    htmlMail(`=?utf-8?b?${b64(`<script>${js}</script><img src=${t}/subject.png>`)}?=`, "<p>headers</p>", {
      headers: `Cc: =?utf-8?q?=3Cimg_src=3D${encodeURIComponent(t).replace(/%/g, "=")}/cc.png=3E?= <x@evil.test>\n`,
    }),
  ]);
  messages.push(["UTF-7 charset trick", htmlMail("Attack: UTF-7", `+ADw-script+AD4-${js}+ADw-/script+AD4-+ADw-img src=${t}/utf7.png+AD4-`, { charset: "utf-7" })]);
  messages.push([
    "text part with markup",
    crlf(`From: attacker@evil.test\nSubject: Attack: text/plain with markup\nContent-Type: text/plain; charset=utf-8\n\n<script>${js}</script><img src="${t}/text.png"> javascript:alert(1)\n`),
  ]);
  return messages;
}

interface Seen {
  dialogs: string[];
  consoleFromScripts: string[];
}

/**
 * Run in the message's frame (a string: the tests are not compiled against the DOM's types): what
 * in its DOM could run, load, submit or navigate, and what a script would have changed.
 */
const FRAME_CHECK = `(() => {
  const d = document;
  const active = d.body.querySelectorAll("script,style,iframe,frame,object,embed,form,input,button,textarea,base,meta,link,svg,math,video,audio,source,picture,template,noscript");
  const handlers = [...d.querySelectorAll("*")].flatMap((el) => [...el.attributes].map((a) => a.name)).filter((n) => n.startsWith("on") || ["srcset", "background", "poster", "ping", "formaction", "xlink:href"].includes(n));
  const hrefs = [...d.querySelectorAll("[href]")].map((el) => el.getAttribute("href") || "").filter((href) => !/^(?:https?|mailto):/i.test(href));
  const srcs = [...d.querySelectorAll("[src]")].map((el) => el.getAttribute("src") || "").filter((src) => !src.startsWith("data:image/"));
  const styled = [...d.body.querySelectorAll("[style]")].map((el) => el.getAttribute("style") || "").filter((s) => /url|expression|behavior|\\\\/i.test(s));
  return { active: active.length, handlers, hrefs, srcs, styled, title: d.title, pwned: window.pwned ?? null };
})()`;

/** The frame showing the message's HTML, once loaded. */
async function messageFrame(page: Page): Promise<Frame | null> {
  const el = await page.$("iframe.mail-frame");
  return el === null ? null : el.contentFrame();
}

test("hostile mail is harmless: a corpus of HTML and MIME attacks opened in Chromium runs no script and reaches no tracker until remote content is asked for", { timeout: 600_000 }, async () => {
  const hits: string[] = [];
  const tracker = createServer((req, res) => {
    hits.push(`${req.method ?? "?"} ${req.url ?? ""}`);
    res.writeHead(200, { "content-type": "image/png" }).end();
  });
  await new Promise<void>((r) => tracker.listen(0, "127.0.0.1", r));
  const t = `http://127.0.0.1:${(tracker.address() as AddressInfo).port}`;
  const h = await startSealpost({ domains: [{ name: "example.test" }], users: [{ address: ALICE, password: PW }] });
  const browser = await launchChromium().catch(async (e: unknown) => {
    await h.cleanup();
    throw e;
  });
  try {
    const messages = corpus(t);
    assert.ok(messages.length >= 30, `${messages.length} attacks`);
    const remoteUid = messages.length + 1;
    const downloadUid = messages.length + 2;
    imapAppend(h.ports, ALICE, PW, [
      ...messages.map(([, m]) => m),
      htmlMail("Newsletter", `<p>Our news</p><img src="${t}/remote-ok.png" alt="news picture">`),
      crlf(`From: attacker@evil.test
Subject: Attack: file names
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain

see attachments
--b
Content-Type: text/html
Content-Disposition: attachment; filename*=utf-8''evil%0D%0ASet-Cookie%3A%20pwned%3D1%0D%0A%22%3B%20x%3D%22.html

<script>alert(1)</script>
--b
Content-Type: image/svg+xml
Content-Disposition: attachment; filename="quote\\"d; filename=x.svg"

<svg onload="alert(1)"/>
--b--
`),
    ]);
    const inbox = await folderId(h.dataDir, ALICE, "INBOX");
    const base = `https://127.0.0.1:${h.ports.web}`;
    const context = await newContext(browser);
    const page = await context.newPage();
    const seen: Seen = { dialogs: [], consoleFromScripts: [] };
    page.on("dialog", (d) => {
      seen.dialogs.push(d.message());
      void d.dismiss();
    });
    page.on("console", (m) => {
      if (m.text().includes(PWNED)) seen.consoleFromScripts.push(m.text());
    });
    // A popup would be a navigation away from the message (no link is clicked here).
    const popups: string[] = [];
    context.on("page", (p) => popups.push(p.url()));
    await signIn(page, base, ALICE, PW);
    await page.evaluate('window.name = "sealpost-sentinel"');

    for (const [i, [name]] of messages.entries()) {
      const url = `${base}/mail/f/${inbox}/${i + 1}`;
      await page.goto(url, { waitUntil: "load" }); // "load" waits for the frame too
      // What a delayed attack would need: a meta refresh, a timer, a lazy image.
      await page.waitForTimeout(150);
      assert.equal(page.url(), url, `${name}: the page stays`);
      assert.notEqual(await page.title(), PWNED, `${name}: document.title untouched`);
      assert.equal(await page.evaluate("window.name"), "sealpost-sentinel", `${name}: window.top.name untouched`);
      const frame = await messageFrame(page);
      if (frame !== null) {
        assert.match(frame.url(), new RegExp(`/mail/f/${inbox}/${i + 1}/body$`), `${name}: the frame did not navigate`);
        const dom = await frame.evaluate(FRAME_CHECK);
        assert.deepEqual(dom, { active: 0, handlers: [], hrefs: [], srcs: [], styled: [], title: "", pwned: null }, name);
      }
      await shot(page, `webmail-hostile-${i + 1}`);
    }
    assert.equal(hits.join(" "), "", "the tracker got no request");
    assert.deepEqual(seen, { dialogs: [], consoleFromScripts: [] });
    assert.deepEqual(popups, []);

    // Headers decode to text, shown as text.
    await page.goto(`${base}/mail/f/${inbox}/${messages.findIndex(([n]) => n === "encoded-word script in headers") + 1}`);
    assert.match(await page.getByRole("heading", { level: 1 }).innerText(), /^<script>fetch\(/);
    assert.match(await page.locator("dl.mail-headers").innerText(), /<img src=http:\/\/127\.0\.0\.1:\d+\/cc\.png>/);
    await page.goto(`${base}/mail/f/${inbox}/${messages.findIndex(([n]) => n === "UTF-7 charset trick") + 1}`);
    await page.frameLocator("iframe.mail-frame").getByText("+ADw-script+AD4-", { exact: false }).waitFor();

    // Asked for, remote content loads — for this message only (the tracker is reachable: it would have seen a leak).
    await page.goto(`${base}/mail/f/${inbox}/${remoteUid}`);
    await page.getByText("Remote content was blocked", { exact: false }).waitFor();
    await shot(page, "webmail-hostile-remote-blocked-en");
    assert.equal(hits.join(" "), "");
    await page.getByRole("link", { name: "Load remote content" }).click();
    await eventually(() => (hits.includes("GET /remote-ok.png") ? true : undefined), 10_000, "the tracker to get the asked-for picture");
    await page.getByText("Remote content is shown for this message only.").waitFor();
    await page.goto(`${base}/mail/f/${inbox}/${remoteUid}`, { waitUntil: "load" });
    await page.goto(`${base}/mail/f/${inbox}/${messages.findIndex(([n]) => n === "img src") + 1}`, { waitUntil: "load" });
    await page.waitForTimeout(150);
    assert.equal(hits.join(" "), "GET /remote-ok.png", "nothing remembered: the next open blocks again, and so do other messages");

    // File names that try to add headers: the download has one Content-Disposition and no other header.
    await page.goto(`${base}/mail/f/${inbox}/${downloadUid}`);
    for (const section of ["2", "3"]) {
      const r = await page.request.get(`${base}/mail/f/${inbox}/${downloadUid}/part/${section}`);
      const headers = r.headersArray().map((x) => x.name.toLowerCase());
      assert.ok(!headers.includes("set-cookie"), section);
      assert.equal(headers.filter((n) => n === "content-disposition").length, 1);
      assert.match(r.headers()["content-disposition"] ?? "", /^attachment; filename="[^"\r\n]*"; filename\*=UTF-8''[^\s"]*$/);
      assert.equal(r.headers()["content-type"], "application/octet-stream", "HTML and SVG are never served as themselves");
      assert.equal(r.headers()["x-content-type-options"], "nosniff");
    }
    assert.ok((await page.getByRole("link", { name: /^Download evil Set-Cookie/ }).count()) === 1);
  } finally {
    await browser.close();
    await h.cleanup();
    tracker.close();
  }
});
