/**
 * The checker page (`/check`) in Chromium (issue 11): an administrator checks a local
 * `openssl s_server` by the labelled form, sees the verdicts and the protocol versions, and
 * downloads the report as JSON that validates against the `sealpost check --json` schema; another
 * account cannot fetch it. In German, the form's labels and an MX check of a domain whose MX host
 * is on loopback. A plain user who points the checker at loopback (directly, through a host name
 * or through a domain's MX) is refused with the notice, and past `[web] check_per_hour` every
 * account gets 429. Screenshots go to $SEALPOST_SCREENSHOTS when it is set.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { CHECK_SCHEMA, validateAgainstSchema, type CheckReport } from "../src/check/index.ts";
import { startDnsServer } from "./dns-server.ts";
import { startSealpost } from "./harness.ts";
import { launchChromium, newContext, signIn, shot } from "./support/browser.ts";
import { makeCert, startOpensslServer } from "./support/openssl-peer.ts";

const ADMIN = "admin@example.test";
const ALICE = "alice@example.test";
const CAROL = "carol@example.test";
const PW = "correct horse battery";

/** Signs in and waits for the account page the sign-in leads to. */
async function signedIn(page: Page, base: string, address: string, labels?: Parameters<typeof signIn>[4]): Promise<void> {
  await signIn(page, base, address, PW, labels);
  await page.waitForURL(`${base}/account`);
}

/** Submits one of the checker's forms as a person would and returns the answer's HTTP status. */
async function submit(page: Page, button: string): Promise<number> {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname.startsWith("/check"), { timeout: 120_000 }),
    page.getByRole("button", { name: button }).click(),
  ]);
  await page.waitForLoadState("domcontentloaded");
  return response.status();
}

test("in Chromium an administrator checks a server and downloads the JSON; a user may not probe loopback; the hour's limit answers 429", { timeout: 240_000 }, async () => {
  const dns = await startDnsServer({
    "inside.check.test": { A: ["10.0.0.7"] },
    "corp.check.test": { MX: [{ preference: 10, exchange: "mx.corp.check.test" }] },
    "mx.corp.check.test": { A: ["127.0.0.2"] },
  });
  const certs = makeCert();
  const server = await startOpensslServer(certs, []);
  const h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [ADMIN, ALICE, CAROL].map((address) => ({ address, password: PW })),
    settings: { dns: `servers = ["${dns.address}"]`, web: "check_per_hour = 2", auth: "failure_delay_ms = 50" },
  }).catch(async (e: unknown) => {
    await Promise.all([server.stop(), dns.close()]);
    certs.remove();
    throw e;
  });
  const browser = await launchChromium();
  try {
    assert.equal(h.cli(["user", "set", ADMIN, "--role", "admin"]).status, 0);
    const base = `https://127.0.0.1:${h.ports.web}`;

    // An administrator checks the local s_server (implicit TLS on its port, chosen automatically).
    const admin = await (await newContext(browser)).newPage();
    await signedIn(admin, base, ADMIN);
    await admin.goto(`${base}/check`);
    await admin.getByRole("heading", { name: "TLS check", level: 1 }).waitFor();
    await shot(admin, "check-form-en");
    await admin.getByLabel("Host and port").fill(`127.0.0.1:${server.port}`);
    assert.equal(await admin.getByLabel("STARTTLS").inputValue(), "auto");
    assert.equal(await submit(admin, "Check the server"), 303);
    await admin.getByRole("heading", { name: `TLS check of 127.0.0.1:${server.port}` }).waitFor();
    const verdicts = admin.getByRole("region", { name: "Verdict" });
    // The certificate is self-signed: strict senders refuse it; TLS 1.2+ keeps old devices out.
    assert.match(await verdicts.innerText(), /Senders that require TLS 1\.2 and a valid certificate.*: ✗ fails/);
    assert.match(await verdicts.innerText(), /Old mail programs and devices that speak only TLS 1\.0\/1\.1: /);
    const versions = admin.getByRole("region", { name: "Protocol versions" });
    assert.match(await versions.getByRole("row", { name: /^TLS 1\.2/ }).innerText(), /✓ offered/);
    assert.match(await versions.getByRole("row", { name: /^TLS 1\.3/ }).innerText(), /✓ offered/);
    assert.match(await versions.getByRole("row", { name: /^SSL 3/ }).innerText(), /✗ not offered/);
    await admin.getByRole("region", { name: "Certificate" }).getByText("localhost").first().waitFor();
    const tls13 = admin.getByRole("region", { name: "Cipher suites" }).getByRole("table", { name: /^TLS 1\.3: \d+ accepted, in / });
    await tls13.getByRole("row", { name: /^TLS_AES_256_GCM_SHA384/ }).waitFor();
    await shot(admin, "check-report-en");

    const [download] = await Promise.all([admin.waitForEvent("download"), admin.getByRole("link", { name: "Download JSON" }).click()]);
    assert.equal(download.suggestedFilename(), `sealpost-check-127.0.0.1-${server.port}.json`);
    const report = JSON.parse(readFileSync(await download.path(), "utf8")) as CheckReport;
    assert.deepEqual(validateAgainstSchema(CHECK_SCHEMA, report), []);
    assert.deepEqual([report.target.address, report.target.port, report.target.access, report.error], ["127.0.0.1", server.port, "tls", null]);
    assert.ok(report.protocols.some((v) => v.version === "TLSv1.2" && v.offered));
    const reportUrl = admin.url();

    // The report is the administrator's alone: another account's session gets "no such page".
    const alice = await (await newContext(browser)).newPage();
    await signedIn(alice, base, ALICE);
    for (const url of [reportUrl, `${reportUrl}.json`]) {
      const r = await alice.request.get(url);
      assert.equal(r.status(), 404, url);
      assert.doesNotMatch(await r.text(), new RegExp(`127\\.0\\.0\\.1:${server.port}`));
    }

    // A plain user is refused loopback, by address and through a domain's MX host.
    await alice.goto(`${base}/check`);
    await alice.getByText("Private, loopback and link-local addresses can be checked by administrators only.").waitFor();
    await alice.getByLabel("Host and port").fill(`127.0.0.1:${server.port}`);
    assert.equal(await submit(alice, "Check the server"), 403);
    await alice.getByRole("alert").filter({ hasText: "Only administrators may check private, loopback or link-local addresses: 127.0.0.1 is a loopback address." }).waitFor();
    assert.equal(await alice.getByLabel("Host and port").inputValue(), `127.0.0.1:${server.port}`, "the form keeps what was typed");
    await alice.getByLabel("Domain (MX check)").fill("corp.check.test");
    assert.equal(await submit(alice, "Check the domain"), 403);
    await alice.getByRole("alert").filter({ hasText: "mx.corp.check.test resolves to 127.0.0.2, a loopback address." }).waitFor();
    await shot(alice, "check-refused-en");
    // Her third start in the hour: 429, whatever the target.
    await alice.getByLabel("Host and port").fill("192.0.2.1:25");
    assert.equal(await submit(alice, "Check the server"), 429);
    await alice.getByRole("alert").filter({ hasText: "You have started 2 checks in the last hour, as many as allowed." }).waitFor();

    // A host name that resolves to a private address is refused too.
    const carol = await (await newContext(browser)).newPage();
    await signedIn(carol, base, CAROL);
    await carol.goto(`${base}/check`);
    await carol.getByLabel("Host and port").fill("inside.check.test:465");
    assert.equal(await submit(carol, "Check the server"), 403);
    await carol.getByRole("alert").filter({ hasText: "inside.check.test resolves to 10.0.0.7, a private address." }).waitFor();

    // German: the form's labels, and the administrator's MX check of the same domain, reported.
    const de = await (await newContext(browser, "de-DE")).newPage();
    await signedIn(de, base, ADMIN, { address: "E-Mail-Adresse", password: "Passwort", submit: "Anmelden" });
    await de.goto(`${base}/check`);
    await de.getByRole("heading", { name: "TLS-Prüfung", level: 1 }).waitFor();
    await de.getByLabel("Host und Port").waitFor();
    assert.equal(await de.getByLabel("STARTTLS").locator("option:checked").innerText(), "automatisch (nach Port)");
    await de.getByRole("button", { name: "Server prüfen" }).waitFor();
    await shot(de, "check-form-de");
    await de.getByLabel("Domain (MX-Prüfung)").fill("corp.check.test");
    assert.equal(await submit(de, "Domain prüfen"), 303);
    await de.getByRole("heading", { name: "MX-Prüfung von corp.check.test" }).waitFor();
    const hosts = await de.getByRole("region", { name: "MX-Hosts" }).getByRole("row", { name: /mx\.corp\.check\.test/ }).innerText();
    assert.match(hosts, /^10\tmx\.corp\.check\.test\t127\.0\.0\.2\t/);
    await de.getByRole("region", { name: "Richtlinien" }).getByText("nicht veröffentlicht").first().waitFor();
    await de.getByRole("link", { name: "JSON herunterladen" }).waitFor();
    await shot(de, "check-report-de");

    // The administrator's third check in the hour: 429 with the notice.
    await admin.goto(`${base}/check`);
    await admin.getByLabel("Host and port").fill(`127.0.0.1:${server.port}`);
    assert.equal(await submit(admin, "Check the server"), 429);
    await admin.getByRole("alert").filter({ hasText: "as many as allowed. Please try again later." }).waitFor();
  } finally {
    await browser.close();
    await h.cleanup();
    await server.stop();
    certs.remove();
    await dns.close();
  }
});
