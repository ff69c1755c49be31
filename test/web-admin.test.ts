/**
 * The administration page in Chromium (issue 11): an admin signs in and sees the dashboard
 * figures (a listener with its port, the certificate's days left, an IMAP session by TLS version
 * after a login by Python's imaplib, a refused TLS 1.0 handshake by its offered version, the
 * deferred message and its destination), pauses and resumes delivery (the CLI agrees), retries a
 * deferred message (its attempts grow) and deletes it, adds a domain and an account (whose
 * generated password, shown once, signs in over IMAP), disables it and changes its role; bad input
 * and changes to the admin's own account are refused with a notice. A plain user gets 403 on the
 * page and on an action posted with their own valid CSRF token. The page in German. Screenshots go
 * to $SEALPOST_SCREENSHOTS when it is set.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Locator, Page } from "playwright-core";
import { writeFileSync } from "node:fs";
import { generateSelfSigned } from "../src/tls/index.ts";
import { eventually, python, startSealpost, type ServerHandle } from "./harness.ts";
import { launchChromium, newContext, signIn, shot } from "./support/browser.ts";
import { oldTlsHandshake } from "./tls-client-env.ts";

const ADMIN = "root@example.test";
const USER = "user@example.test";
const PW = "correct horse battery";

/** The table that has a column headed `column`. */
const tableWith = (page: Page, column: string): Locator => page.getByRole("table").filter({ has: page.getByRole("columnheader", { name: column, exact: true }) });

/** The rows of that table as text, one string per row (cells separated by tabs). */
const rowsOf = (page: Page, column: string): Promise<string[]> => tableWith(page, column).getByRole("row").allInnerTexts();

/** Python's imaplib over implicit TLS: "ok" or the error. */
function imapLogin(h: ServerHandle, user: string, password: string): string {
  return python(
    `
import imaplib, os, ssl
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
M = imaplib.IMAP4_SSL("127.0.0.1", int(os.environ["PORT"]), ssl_context=ctx)
try:
    M.login(os.environ["USER"], os.environ["PW"]); print("ok")
except imaplib.IMAP4.error as e:
    print("refused", e)
M.logout()
`,
    { PORT: String(h.ports.imaps), USER: user, PW: password },
  ).trim();
}

interface Queued {
  id: string;
  status: string;
  attempts: number;
  source: string;
}
const queueList = (h: ServerHandle): Queued[] => JSON.parse(h.cli(["queue", "list", "--json"]).stdout) as Queued[];
const account = (h: ServerHandle, address: string): { role: string; disabled: boolean } | undefined =>
  (JSON.parse(h.cli(["user", "list", "--json"]).stdout) as Array<{ address: string; role: string; disabled: boolean }>).find((a) => a.address === address);

test("in Chromium an administrator runs the server from /admin; a plain user is refused", { timeout: 180_000 }, async () => {
  const h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [
      { address: ADMIN, password: PW },
      { address: USER, password: PW },
    ],
    // A deferred message waits an hour: only Retry makes it go again.
    settings: { auth: "failure_delay_ms = 50", queue: "min_backoff = 3600\nmax_backoff = 7200" },
  });
  const browser = await launchChromium();
  try {
    assert.equal(h.cli(["user", "set", ADMIN, "--role", "admin"]).status, 0);
    const relay = h.cli(["relay", "add", "far.test", "--next-hop", "[127.0.0.1]:1"]);
    assert.equal(relay.status, 0, relay.stderr);
    // A message for the relay domain, whose next hop is a closed port: deferred after its first attempt.
    const deferred = async (to: string): Promise<string> => {
      const before = new Set(queueList(h).map((q) => q.id));
      python(`
import smtplib
s = smtplib.SMTP("127.0.0.1", ${h.ports.mx}, local_hostname="client.example")
s.sendmail("someone@example.org", ["${to}"], "From: someone@example.org\\r\\nTo: ${to}\\r\\nSubject: stuck\\r\\n\\r\\nbody\\r\\n")
s.quit()
`);
      return eventually(() => queueList(h).find((q) => !before.has(q.id) && q.attempts >= 1)?.id, 15_000, `a deferred message to ${to}`);
    };
    const id = await deferred("x@far.test");
    assert.equal(imapLogin(h, USER, PW), "ok");
    const old = await oldTlsHandshake(h.ports.imaps);
    assert.notEqual(old.status, 0, old.stdout + old.stderr);
    const base = `https://127.0.0.1:${h.ports.web}`;

    const page = await (await newContext(browser)).newPage();
    await signIn(page, base, ADMIN, PW);
    const first = await page.goto(`${base}/admin`);
    assert.equal(first?.status(), 200);
    await page.getByRole("heading", { name: "Administration", level: 1 }).waitFor();
    await page.getByRole("link", { name: "Administration" }).waitFor();

    // The dashboard's figures.
    const listeners = await rowsOf(page, "Open sessions");
    assert.ok(listeners.some((r) => r.startsWith(`imaps\t127.0.0.1\t${h.ports.imaps}\t`)), listeners.join("\n"));
    assert.ok(listeners.some((r) => r.startsWith(`web\t127.0.0.1\t${h.ports.web}\t`)), listeners.join("\n"));
    const certificate = (await rowsOf(page, "Days left")).find((r) => r.includes("mx.sealpost.test")) ?? "";
    const daysLeft = Number(/\t(\d+)\t/.exec(certificate.slice(certificate.indexOf("UTC")))?.[1]);
    assert.ok(daysLeft >= 14, certificate);
    assert.doesNotMatch(certificate, /Renew soon/);
    assert.equal(await page.getByRole("alert").count(), 0);
    const sessions = await eventually(async () => {
      await page.reload();
      const r = await rowsOf(page, "Sessions");
      return r.some((x) => /^imap\tTLSv1\.3\t\d+$/.test(x)) && (await rowsOf(page, "Highest version offered")).some((x) => x.startsWith("TLSv1\t")) ? r : undefined;
    }, 10_000, "the IMAP session by TLS version and the refused TLS 1.0 handshake");
    assert.ok(sessions.some((x) => /^web\tTLSv1\.3\t\d+$/.test(x)), sessions.join("\n"));
    const refused = (await rowsOf(page, "Highest version offered")).find((x) => x.startsWith("TLSv1\t")) ?? "";
    assert.match(refused, /^TLSv1\t1\t127\.0\.0\.1\timap\t/);
    const destinations = await rowsOf(page, "Destination");
    assert.ok(destinations.some((r) => /^far\.test\t1\t1\t1\t.*connect/i.test(r)), destinations.join("\n"));
    const messageRow = tableWith(page, "Queue ID").getByRole("row").filter({ hasText: id });
    assert.match(await messageRow.innerText(), /someone@example\.org\tx@far\.test\tdeferred\t1\t/);
    const outbound = await rowsOf(page, "Delivered");
    assert.ok(outbound.some((r) => r.startsWith("far.test\t")), outbound.join("\n"));

    // Pause and resume: the CLI sees the same switch.
    await page.getByRole("button", { name: "Pause delivery" }).click();
    await page.getByRole("status").filter({ hasText: "Delivery is paused" }).waitFor();
    assert.equal(queueList(h).find((q) => q.id === id)?.status, "held");
    assert.match(h.cli(["status"]).stdout, /delivery paused/);
    await page.getByRole("button", { name: "Resume delivery" }).click();
    await page.getByRole("status").filter({ hasText: "Delivery is running again." }).waitFor();
    assert.equal(queueList(h).find((q) => q.id === id)?.status, "deferred");
    assert.doesNotMatch(h.cli(["status"]).stdout, /delivery paused/);

    // Retry: tried again at once (its attempts grow), not an hour later.
    await messageRow.getByRole("button", { name: "Retry" }).click();
    await page.getByRole("status").filter({ hasText: `Message ${id} is due now` }).waitFor();
    await eventually(async () => {
      await page.reload();
      return /\tdeferred\t2\t/.test(await messageRow.innerText()) ? true : undefined;
    }, 15_000, "a second attempt after Retry");
    assert.equal(queueList(h).find((q) => q.id === id)?.attempts, 2);
    await shot(page, "admin-en");

    // Domains: added with mandatory TLS and linked to its page; bad input is refused with the reason.
    await page.getByLabel("Domain name").fill("new.test");
    await page.getByLabel("Require TLS for incoming mail").check();
    await page.getByRole("button", { name: "Add domain" }).click();
    await page.getByRole("status").filter({ hasText: "Domain new.test was added." }).waitFor();
    assert.ok((await rowsOf(page, "Mandatory TLS")).includes("new.test\thosted (mailboxes here)\ton"));
    assert.equal(await page.getByRole("link", { name: "new.test", exact: true }).getAttribute("href"), "/domain/new.test");
    assert.ok((await rowsOf(page, "Mandatory TLS")).some((r) => r.startsWith("far.test\trelay")));
    await page.getByLabel("Domain name").fill("not a domain!");
    await page.getByRole("button", { name: "Add domain" }).click();
    await page.getByRole("alert").filter({ hasText: 'The domain was not added: invalid domain name "not a domain!"' }).waitFor();
    await page.getByLabel("Domain name").fill("NEW.test");
    await page.getByRole("button", { name: "Add domain" }).click();
    await page.getByRole("alert").filter({ hasText: "The domain was not added: domain new.test exists already" }).waitFor();

    // Accounts: the generated password is shown once and works; then disabled, then given a role.
    await page.getByLabel("Email address").fill("carol@new.test");
    await page.getByLabel("Role", { exact: true }).selectOption("user");
    await page.getByRole("button", { name: "Add account" }).click();
    await page.getByRole("heading", { name: "Account added" }).waitFor();
    const password = await page.locator("dd code").innerText();
    assert.match(password, /^\S{20}$/);
    assert.equal(imapLogin(h, "carol@new.test", password), "ok");
    await page.getByRole("link", { name: "Back to the administration page" }).click();
    const carol = tableWith(page, "Role").getByRole("row").filter({ hasText: "carol@new.test" });
    assert.match(await carol.innerText(), /^carol@new\.test\tuser\tactive\t/);
    await page.getByLabel("Email address").fill("carol@new.test");
    await page.getByRole("button", { name: "Add account" }).click();
    await page.getByRole("alert").filter({ hasText: "The account was not added: account carol@new.test exists already" }).waitFor();
    await carol.getByRole("button", { name: "Disable" }).click();
    await page.getByRole("status").filter({ hasText: "carol@new.test is disabled" }).waitFor();
    assert.match(await carol.innerText(), /^carol@new\.test\tuser\tdisabled\t/);
    assert.equal(account(h, "carol@new.test")?.disabled, true);
    assert.match(imapLogin(h, "carol@new.test", password), /^refused/);
    await carol.getByLabel("Role of carol@new.test").selectOption("domain-admin");
    await carol.getByRole("button", { name: "Set role" }).click();
    await page.getByRole("status").filter({ hasText: "The role of carol@new.test was changed." }).waitFor();
    assert.equal(account(h, "carol@new.test")?.role, "domain-admin");

    // Not one's own account: neither disabled nor demoted.
    const me = tableWith(page, "Role").getByRole("row").filter({ hasText: ADMIN });
    await me.getByRole("button", { name: "Disable" }).click();
    await page.getByRole("alert").filter({ hasText: "You cannot disable your own account" }).waitFor();
    await me.getByLabel(`Role of ${ADMIN}`).selectOption("user");
    await me.getByRole("button", { name: "Set role" }).click();
    await page.getByRole("alert").filter({ hasText: "You cannot disable your own account or take away your own administrator role" }).waitFor();
    const mine = account(h, ADMIN);
    assert.deepEqual([mine?.role, mine?.disabled], ["admin", false]);

    // Delete: the message leaves the queue.
    await messageRow.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("status").filter({ hasText: `Message ${id} was deleted` }).waitFor();
    assert.deepEqual(queueList(h), []);
    await page.getByText("The queue is empty.").waitFor();

    // Bounce: the message goes back to its sender (a DSN from the null sender takes its place), which can be deleted too.
    const second = await deferred("y@far.test");
    await page.reload();
    await tableWith(page, "Queue ID").getByRole("row").filter({ hasText: second }).getByRole("button", { name: "Bounce" }).click();
    await page.getByRole("status").filter({ hasText: `Message ${second} will be returned to its sender.` }).waitFor();
    const dsn = await eventually(() => queueList(h).find((q) => q.source === `bounce:${second}`), 15_000, "the DSN in the queue");
    assert.equal(queueList(h).some((q) => q.id === second), false);
    await page.reload();
    const dsnRow = tableWith(page, "Queue ID").getByRole("row").filter({ hasText: dsn.id });
    assert.match(await dsnRow.innerText(), /\t<> \(a bounce\)\tsomeone@example\.org\t/);
    await dsnRow.getByRole("button", { name: "Delete" }).click();
    await page.getByText("The queue is empty.").waitFor();
    assert.deepEqual(queueList(h), []);

    // A certificate that runs out in 5 days (a changed file is picked up by itself) is marked as a problem.
    const short = await generateSelfSigned({ hostnames: ["mx.sealpost.test"], keyType: "ecdsa", days: 5 });
    writeFileSync(join(h.dataDir, "certs/mx.sealpost.test.key"), short.keyPem);
    writeFileSync(join(h.dataDir, "certs/mx.sealpost.test.pem"), short.certPem);
    const expiring = await eventually(async () => {
      await page.reload();
      const row = (await rowsOf(page, "Days left")).find((r) => r.includes("mx.sealpost.test")) ?? "";
      return /\t[45] Renew soon\t/.test(row) ? row : undefined;
    }, 15_000, "the short-lived certificate on the page");
    assert.match(expiring, /^mx\.sealpost\.test\tECDSA/);
    await page.getByRole("alert").filter({ hasText: "1 certificate expires in less than 14 days" }).waitFor();

    // A plain user: 403 on the page, and on an action posted with their own valid CSRF token.
    const user = await (await newContext(browser)).newPage();
    await signIn(user, base, USER, PW);
    const refusedPage = await user.goto(`${base}/admin`);
    assert.equal(refusedPage?.status(), 403);
    await user.getByRole("alert").filter({ hasText: "You may not open this page." }).waitFor();
    assert.equal(await user.getByRole("link", { name: "Administration" }).count(), 0);
    const token = await user.locator('input[name="_csrf"]').first().inputValue();
    const post = (path: string, form: Record<string, string>) => user.request.post(`${base}${path}`, { form: { _csrf: token, ...form }, maxRedirects: 0 });
    assert.equal((await post("/admin/queue/pause", {})).status(), 403);
    assert.equal((await post("/admin/accounts/role", { address: USER, role: "admin" })).status(), 403);
    // The same token is good where the user may act: the 403s were the role's, not the token's. (Posted
    // before the CLI runs below: the request context reuses its kept-alive connection, which the server
    // closes after 5 idle seconds, and a POST racing that close is reset.)
    assert.equal((await post("/lang", { lang: "de", back: "/account" })).status(), 303);
    assert.doesNotMatch(h.cli(["status"]).stdout, /delivery paused/);
    assert.equal(account(h, USER)?.role, "user");

    // German.
    const de = await (await newContext(browser, "de-DE")).newPage();
    await signIn(de, base, ADMIN, PW, { address: "E-Mail-Adresse", password: "Passwort", submit: "Anmelden" });
    await de.goto(`${base}/admin`);
    await de.getByRole("heading", { name: "Verwaltung", level: 1 }).waitFor();
    const deListeners = await rowsOf(de, "Offene Verbindungen");
    assert.ok(deListeners.some((r) => r.startsWith(`imaps\t127.0.0.1\t${h.ports.imaps}\t`)), deListeners.join("\n"));
    assert.ok((await rowsOf(de, "Verbindungen")).some((x) => /^imap\tTLSv1\.3\t\d+$/.test(x)));
    await de.getByRole("button", { name: "Zustellung anhalten" }).waitFor();
    await de.getByText("Die Warteschlange ist leer.").waitFor();
    await shot(de, "admin-de");
  } finally {
    await browser.close();
    await h.cleanup();
  }
});
