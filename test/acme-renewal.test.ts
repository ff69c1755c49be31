/**
 * Renewal of ACME certificates against Debian's pebble, with two worker processes serving the mail
 * ports: the server's clock (SEALPOST_CLOCK_FILE) moves on until the host's certificate is due;
 * the renewed certificate is served on the web port and, by the workers, on IMAPS — while an HTTPS
 * keep-alive connection and an IMAP session opened before go on working on the old one. Then the
 * host name vanishes from DNS and the clock reaches ten days before expiry: the renewal fails, the
 * log warns, `sealpost status` says so, and the administration page shows it in Chromium, in
 * English and in German.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Agent, request } from "node:https";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { eventually, startSealpost } from "./harness.ts";
import { startDnsServer } from "./dns-server.ts";
import { RawImap } from "./imap-raw.ts";
import { freePort } from "./postfix-peer.ts";
import { launchChromium, newContext, signIn, shot } from "./support/browser.ts";
import { acmeSection, servedCertificate, startPebble } from "./support/pebble.ts";

const HOST = "mx.sealpost.test";
const ADMIN = "root@example.test";
const PW = "correct horse battery";
const DAY_MS = 86_400_000;

/** One GET on a keep-alive agent limited to one socket: the status and the socket it went over. */
function get(agent: Agent, port: number, ca: string, path: string): Promise<{ status: number; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, servername: HOST, ca, path, agent }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, socket: req.socket as Socket }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The rows of the table with a column headed `column`, as text (cells separated by tabs). */
const rowsOf = (page: Page, column: string): Promise<string[]> =>
  page.getByRole("table").filter({ has: page.getByRole("columnheader", { name: column, exact: true }) }).getByRole("row").allInnerTexts();

test("renewal replaces the served certificate in every process while open connections carry on; a failing renewal near expiry is a warning", { timeout: 300_000 }, async (t) => {
  // Each thing started is stopped after the test however it ends: a server that did not start must
  // not leave pebble and the DNS server holding the test process open.
  const dns = await startDnsServer({ [HOST]: { A: ["127.0.0.1"] } });
  t.after(() => dns.close());
  const [webPort, httpPort] = [await freePort(), await freePort()];
  const pebble = await startPebble({ httpPort, tlsPort: webPort, dnsServer: dns.address, validityDays: 90 });
  t.after(() => pebble.stop());
  const clockDir = mkdtempSync(join(tmpdir(), "sealpost-clock-"));
  t.after(() => rmSync(clockDir, { recursive: true, force: true }));
  const clockFile = join(clockDir, "now");
  const setClock = (ms: number): void => writeFileSync(clockFile, new Date(ms).toISOString());
  setClock(Date.now());
  const h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [{ address: ADMIN, password: PW }],
    settings: {
      "listeners.web": `port = ${webPort}`,
      "listeners.http": `port = ${httpPort}`,
      acme: acmeSection(pebble),
      dns: `servers = ["${dns.address}"]`,
      process: "workers = 2",
      auth: "failure_delay_ms = 50",
    },
    env: { SEALPOST_CLOCK_FILE: clockFile },
  });
  t.after(() => h.cleanup());
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const browser = await launchChromium();
  t.after(() => browser.close());
  assert.equal(h.cli(["user", "set", ADMIN, "--role", "admin"]).status, 0);
  const first = await eventually(() => servedCertificate(webPort, HOST, pebble.root).catch(() => undefined), 90_000, () => `the first certificate:\n${h.log()}`);
  // The workers serve IMAPS: they loaded the new certificate when the primary said so.
  const imapsFirst = await eventually(() => servedCertificate(h.ports.imaps, HOST, pebble.root).catch(() => undefined), 15_000, "the certificate on IMAPS");
  assert.equal(imapsFirst.fingerprint256, first.fingerprint256);

  // Opened before the renewal: an HTTPS keep-alive connection and a signed-in IMAP session.
  const opened = await get(agent, webPort, pebble.root, "/status");
  assert.equal(opened.status, 200);
  const keepAlive = opened.socket;
  const imap = await RawImap.open(h.ports.imaps);
  t.after(() => imap.socket.destroy());
  await imap.login(ADMIN, PW);

  // 62 days on, 28 of the 90 are left: the check the clock's jump starts renews the certificate.
  setClock(Date.now() + 62 * DAY_MS);
  const renewed = await eventually(
    async () => {
      // A request every loop keeps the connection from idling out (the console's keep-alive is 5 s).
      const again = await get(agent, webPort, pebble.root, "/status");
      assert.equal(again.socket, keepAlive, "the keep-alive connection was not closed");
      const cert = await servedCertificate(webPort, HOST, pebble.root).catch(() => undefined);
      return cert !== undefined && cert.fingerprint256 !== first.fingerprint256 ? cert : undefined;
    },
    90_000,
    `the renewed certificate:\n${h.log()}`,
  );
  assert.equal(renewed.subjectAltName, `DNS:${HOST}`);
  assert.notEqual(renewed.serialNumber, first.serialNumber);

  // The connections opened before still work, on the certificate they started with.
  const after = await get(agent, webPort, pebble.root, "/status");
  assert.equal(after.status, 200);
  assert.equal(after.socket, keepAlive);
  assert.equal((keepAlive as TLSSocket).getPeerX509Certificate()?.fingerprint256, first.fingerprint256);
  assert.equal((await imap.command("NOOP")).status, "OK");
  assert.equal((await imap.command("SELECT INBOX")).status, "OK");
  // New IMAPS connections, served by the workers, get the renewed one.
  const imapsRenewed = await eventually(() => servedCertificate(h.ports.imaps, HOST, pebble.root).then((c) => (c.fingerprint256 === renewed.fingerprint256 ? c : undefined)), 15_000, "the renewed certificate on IMAPS");
  assert.equal(imapsRenewed.serialNumber, renewed.serialNumber);

  // The host name is gone from DNS; ten days before expiry the renewal fails, and that is a warning.
  dns.setZone({});
  setClock(renewed.validToDate.getTime() - 10 * DAY_MS - 3_600_000);
  await eventually(() => (/acme: the certificate for mx\.sealpost\.test expires in 10 days \(\d{4}-\d\d-\d\d\) and its renewal is failing: .*Could not resolve/.test(h.log()) ? true : undefined), 60_000, `the warning:\n${h.log()}`);
  const status = h.cli(["status"]);
  assert.equal(status.status, 1);
  assert.match(status.stdout, /problem: ACME certificate for mx\.sealpost\.test expires in 10 days \(.*\) and its renewal fails: /);

  const base = `https://127.0.0.1:${webPort}`;
  const page = await (await newContext(browser)).newPage();
  await signIn(page, base, ADMIN, PW);
  await page.goto(`${base}/admin`);
  await page.getByRole("heading", { name: "Certificates from ACME" }).waitFor();
  const row = (await rowsOf(page, "Validated by")).find((r) => r.startsWith(HOST)) ?? "";
  assert.match(row, /^mx\.sealpost\.test\tFailing Look at this\t.+ UTC\t10\ttls-alpn-01\t.*Could not resolve.*\t.+ UTC$/);
  await page.getByRole("alert").filter({ hasText: "1 certificate from ACME expires in less than 14 days" }).waitFor();
  await shot(page, "admin-acme");

  const de = await (await newContext(browser, "de-DE")).newPage();
  await signIn(de, base, ADMIN, PW, { address: "E-Mail-Adresse", password: "Passwort", submit: "Anmelden" });
  await de.goto(`${base}/admin`);
  await de.getByRole("heading", { name: "Zertifikate über ACME" }).waitFor();
  const deRow = (await rowsOf(de, "Geprüft per")).find((r) => r.startsWith(HOST)) ?? "";
  assert.match(deRow, /^mx\.sealpost\.test\tFehlgeschlagen Bitte prüfen\t/);
  await de.getByRole("alert").filter({ hasText: "1 Zertifikat über ACME läuft in weniger als 14 Tagen ab" }).waitFor();
  await shot(de, "admin-acme-de");
});
