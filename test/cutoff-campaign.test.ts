/**
 * The cut-off campaign end to end (issue 12): three accounts — anna, whose device was refused a
 * TLS 1.0 handshake on IMAPS after she signed in from its address (the history attributes it to
 * her), ben with TLS 1.2+ sign-ins only, carl untouched. A cut-off scheduled with `sealpost cutoff
 * schedule`; the server's clock (SEALPOST_CLOCK_FILE) moved to each notify day; every INBOX read
 * with Python's imaplib (and an IDLE session with imapflow): anna alone gets one notice per notify day, in German (her language), none
 * twice across a restart; a cut-off scheduled for tomorrow sends one notice at once; the account
 * page counts down in Chromium (English and German) and the admin page shows the campaign; on the
 * date `cutoff show` says done and the legacy grants are gone.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ImapFlow } from "imapflow";
import { eventually, python, startSealpost, type ServerHandle } from "./harness.ts";
import { launchChromium, newContext, shot, signIn } from "./support/browser.ts";
import { oldTlsHandshake } from "./tls-client-env.ts";
import { openDataDir } from "./support/postgres.ts";

const ANNA = "anna@example.test";
const BEN = "ben@example.test";
const CARL = "carl@example.test";
const ADMIN = "admin@example.test";
const PW = "correct horse battery";
const DAY = 86_400_000;
const HOUR = 3_600_000;

interface Mail {
  subject: string;
  from: string;
  to: string;
  auto: string;
  id: string;
  lang: string;
  cte: string;
  body: string;
}

const READ_INBOX = `
import email, imaplib, json, os, ssl
from email.header import decode_header, make_header
e = os.environ
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
M = imaplib.IMAP4_SSL("127.0.0.1", int(e["IMAPS"]), ssl_context=ctx)
M.login(e["USER"], e["PW"])
M.select("INBOX", readonly=True)
out = []
for num in M.search(None, "ALL")[1][0].split():
    m = email.message_from_bytes(M.fetch(num, "(RFC822)")[1][0][1])
    out.append({"subject": str(make_header(decode_header(m["Subject"]))), "from": m["From"], "to": m["To"], "auto": m["Auto-Submitted"], "id": m["Message-ID"],
                "lang": m["Content-Language"], "cte": m["Content-Transfer-Encoding"], "body": m.get_payload(decode=True).decode(m.get_content_charset())})
M.logout()
print(json.dumps(out))
`;

const SIGN_IN = `
import imaplib, os, ssl
e = os.environ
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
M = imaplib.IMAP4_SSL("127.0.0.1", int(e["IMAPS"]), ssl_context=ctx); M.login(e["USER"], e["PW"]); M.logout()
print(ctx.maximum_version)
`;

/** The language an account's notices go out in, as stored. */
async function languageOf(dataDir: string, address: string): Promise<string | null> {
  const store = await openDataDir(dataDir);
  try {
    return (await store.db.selectFrom("accounts").select("language").where("address", "=", address).executeTakeFirstOrThrow()).language;
  } finally {
    await store.close();
  }
}

function inbox(h: ServerHandle, user: string): Mail[] {
  return JSON.parse(python(READ_INBOX, { IMAPS: String(h.ports.imaps), USER: user, PW })) as Mail[];
}

interface Show {
  cutoff: { id: number; date: string; state: string; notifyDays: number[] } | null;
  dueNotifyDay: number | null;
  affected: { count: number; accounts: Array<{ address: string; devices: Array<{ tlsVersion: string; protocol: string }> }> };
  notices: Array<{ day: number; sent: number }>;
  grants: Array<{ address: string | null; host: string | null; until: string }>;
}

function show(h: ServerHandle): Show {
  const r = h.cli(["cutoff", "show", "--json"]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Show;
}

test("a cut-off mails exactly the affected account once per notify day, across a restart; tomorrow's sends one at once; on the date the grants end", { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "sealpost-clock-"));
  const clockFile = join(dir, "now");
  const t0 = Date.now();
  const setClock = (t: number): void => writeFileSync(clockFile, new Date(t).toISOString());
  setClock(t0);
  const h = await startSealpost({
    domains: [{ name: "example.test" }],
    users: [ANNA, BEN, CARL, ADMIN].map((address) => ({ address, password: PW })),
    settings: { auth: "failure_delay_ms = 50" },
    env: { SEALPOST_CLOCK_FILE: clockFile },
  });
  const browser = await launchChromium();
  try {
    assert.equal(h.cli(["user", "language", ANNA, "de"]).status, 0);
    assert.equal(h.cli(["user", "set", ADMIN, "--role", "admin"]).status, 0);
    const bad = h.cli(["user", "language", ANNA, "fr"]);
    assert.deepEqual([bad.status, bad.stderr.trim().split("\n").length], [2, 1], bad.stderr);

    // anna signs in from 127.0.0.1, then an old device there is refused TLS 1.0: probably hers. ben signs in afterwards (not his).
    python(SIGN_IN, { IMAPS: String(h.ports.imaps), USER: ANNA, PW });
    const old = await oldTlsHandshake(h.ports.imaps);
    assert.notEqual(old.status, 0, old.stdout + old.stderr);
    python(SIGN_IN, { IMAPS: String(h.ports.imaps), USER: BEN, PW });
    python(SIGN_IN, { IMAPS: String(h.ports.imaps), USER: ADMIN, PW });

    // The cut-off in 31 days: no notify day reached yet.
    const date = Math.floor((t0 + 31 * DAY) / 60_000) * 60_000;
    const bogus = h.cli(["cutoff", "schedule", "--date", "31.01.2027"]);
    assert.deepEqual([bogus.status, bogus.stderr.trim().split("\n").length], [2, 1], bogus.stderr);
    const s = h.cli(["cutoff", "schedule", "--date", new Date(date).toISOString()]);
    assert.equal(s.status, 0, s.stderr);
    const before = await eventually(() => {
      const x = show(h);
      return x.affected.count === 1 ? x : undefined;
    }, 5000, "anna counted as affected");
    assert.deepEqual(before.cutoff?.notifyDays, [30, 7, 1]);
    assert.equal(before.cutoff?.state, "scheduled");
    assert.equal(before.dueNotifyDay, null);
    assert.deepEqual(before.affected.accounts.map((a) => a.address), [ANNA]);
    assert.equal(before.affected.accounts[0]?.devices[0]?.tlsVersion, "TLSv1");
    assert.deepEqual(before.notices, [{ day: 30, sent: 0 }, { day: 7, sent: 0 }, { day: 1, sent: 0 }]);
    assert.deepEqual(inbox(h, ANNA), []);

    const notices = async (n: number): Promise<Mail[]> => eventually(() => {
      const m = inbox(h, ANNA);
      return m.length >= n ? m : undefined;
    }, 15_000, `${n} notice(s) in anna's INBOX`);

    // 30 days before: one German notice for anna, none for ben and carl.
    setClock(date - 30 * DAY + HOUR);
    const first = await notices(1);
    assert.equal(first.length, 1);
    const [n30] = first as [Mail];
    assert.match(n30.subject, /^Bitte handeln: Alte Geräte funktionieren ab \S+, \d+\. \S+ 20\d\d/);
    assert.equal(n30.from, "Sealpost <postmaster@mx.sealpost.test>");
    assert.equal(n30.to, `<${ANNA}>`);
    assert.deepEqual([n30.auto, n30.lang, n30.cte], ["auto-generated", "de", "quoted-printable"]);
    const body = n30.body.replace(/\s+/g, " ");
    assert.match(body, /schaltet dieser Mailserver die veralteten Verschlüsselungsprotokolle TLS 1\.0 und TLS 1\.1/);
    assert.match(body, /Protokoll: IMAP \(E-Mails empfangen\) TLS-Version: TLSv1 Von Adresse: 127\.0\.0\.1/);
    assert.match(body, /SSL\/TLS Handshake Failed/);
    assert.match(body, new RegExp(`IMAP \\(empfangen\\): Server mx\\.sealpost\\.test, Port ${h.ports.imaps}, Sicherheit SSL/TLS`));
    assert.match(body, new RegExp(`https://mx\\.sealpost\\.test:${h.ports.web}/account`));
    assert.deepEqual(inbox(h, BEN), []);
    assert.deepEqual(inbox(h, CARL), []);

    // A restart on the same notify day sends nothing again.
    await h.stop();
    await h.restart();
    await eventually(() => (/every affected account \(1\) has its notice for 30 day/.test(h.log()) ? true : undefined), 15_000, "the scheduler's first tick after the restart");
    assert.equal(inbox(h, ANNA).length, 1);

    // 7 days before: the second notice, seen by an IDLE session (imapflow) as it arrives. The account page counts down, in English and in German.
    const flow = new ImapFlow({ host: "127.0.0.1", port: h.ports.imaps, secure: true, tls: { rejectUnauthorized: false }, auth: { user: ANNA, pass: PW }, logger: false });
    await flow.connect();
    await flow.mailboxOpen("INBOX");
    const exists = new Promise<number>((resolve, reject) => {
      flow.on("exists", (d: { count: number }) => resolve(d.count));
      setTimeout(() => reject(new Error("the IDLE session saw no new message within 20 s")), 20_000).unref();
    });
    void flow.idle();
    setClock(date - 7 * DAY + HOUR);
    assert.equal(await exists, 2);
    await flow.logout();
    assert.equal((await notices(2)).length, 2);
    const base = `https://127.0.0.1:${h.ports.web}`;
    const en = await (await newContext(browser)).newPage();
    await signIn(en, base, ANNA, PW);
    const countdown = en.getByRole("region", { name: "TLS 1.0/1.1 switch-off" });
    assert.match(await countdown.innerText(), /switches TLS 1\.0 and 1\.1 off, in 7 days\./);
    await shot(en, "cutoff-account-en");
    const de = await (await newContext(browser, "de-DE")).newPage();
    await signIn(de, base, ANNA, PW, { address: "E-Mail-Adresse", password: "Passwort", submit: "Anmelden" });
    assert.match(await de.getByRole("region", { name: "Abschaltung von TLS 1.0/1.1" }).innerText(), /schaltet dieser Server TLS 1\.0 und 1\.1 ab, in 7 Tagen\./);
    await shot(de, "cutoff-account-de");
    // ben has no old device: no count-down on his page.
    const benPage = await (await newContext(browser)).newPage();
    await signIn(benPage, base, BEN, PW);
    await benPage.getByRole("heading", { name: "My account" }).waitFor();
    assert.equal(await benPage.getByRole("region", { name: "TLS 1.0/1.1 switch-off" }).count(), 0);
    // His language switch stores his choice: the notices Sealpost mails him would be German.
    await Promise.all([benPage.waitForURL(/\/account$/), benPage.getByRole("button", { name: "Deutsch" }).click()]);
    await benPage.getByRole("heading", { name: "Mein Konto" }).waitFor();
    assert.equal(await languageOf(h.dataDir, BEN), "de");

    // The admin page's campaign: the cut-off, anna with one device, the notices per day, the grants.
    for (const who of [[ANNA, "--protocols", "imap,pop3"], ["192.0.2.25"]]) {
      const g = h.cli(["legacy", "grant", ...who, "--until", new Date(date).toISOString()]);
      assert.equal(g.status, 0, g.stderr);
    }
    const admin = await (await newContext(browser)).newPage();
    await signIn(admin, base, ADMIN, PW);
    await admin.goto(`${base}/admin`);
    const campaign = admin.getByRole("region", { name: "TLS 1.0/1.1 cut-off" });
    assert.match(await campaign.innerText(), /will be switched off on .*, in 7 days\./);
    assert.deepEqual(await campaign.getByRole("table").nth(0).getByRole("row").allInnerTexts().then((r) => r.slice(1).map((x) => x.split("\t").slice(0, 2).join("\t"))), [`${ANNA}\t1`]);
    assert.deepEqual(await campaign.getByRole("table").nth(1).getByRole("row").allInnerTexts(), ["Notify day\tNotices sent", "30 days before\t1", "7 days before\t1", "1 day before\t0"]);
    assert.match((await campaign.getByRole("table").nth(2).getByRole("row").allInnerTexts()).join("\n"), new RegExp(`${ANNA}\timap, pop3\t[\\s\\S]*192\\.0\\.2\\.25\tsmtp`));
    await shot(admin, "cutoff-admin-en");
    const adminDe = await (await newContext(browser, "de-DE")).newPage();
    await signIn(adminDe, base, ADMIN, PW, { address: "E-Mail-Adresse", password: "Passwort", submit: "Anmelden" });
    await adminDe.goto(`${base}/admin`);
    assert.match(await adminDe.getByRole("region", { name: "Abschaltung von TLS 1.0/1.1" }).innerText(), /wird am .* abgeschaltet, in 7 Tagen\.[\s\S]*Noch betroffene Konten/);
    await shot(adminDe, "cutoff-admin-de");

    // 1 day before: the third.
    setClock(date - DAY + HOUR);
    assert.equal((await notices(3)).length, 3);

    // A new cut-off for tomorrow replaces it: one notice at once (the 1-day one), not three.
    const tomorrow = date - DAY + HOUR + DAY;
    const again = h.cli(["cutoff", "schedule", "--date", new Date(tomorrow).toISOString()]);
    assert.equal(again.status, 0, again.stderr);
    const all = await notices(4);
    const ids = new Set(all.map((m) => m.id));
    assert.equal(ids.size, 4, "four different messages");
    const mid = show(h);
    assert.deepEqual(mid.notices, [{ day: 30, sent: 0 }, { day: 7, sent: 0 }, { day: 1, sent: 1 }]);
    assert.equal(mid.grants.length, 2);

    // On the date: done, the grants gone, anna still counted (her device has not been replaced), nothing more sent.
    setClock(tomorrow + HOUR);
    const done = await eventually(() => {
      const x = show(h);
      return x.cutoff?.state === "done" ? x : undefined;
    }, 15_000, "the cut-off done");
    assert.deepEqual(done.grants, []);
    assert.equal(done.affected.count, 1);
    await eventually(() => (/cut-off reached .*2 legacy grant\(s\) ended/.test(h.log()) ? true : undefined), 5000, "the cut-off's log line");
    const human = h.cli(["cutoff", "show"]);
    assert.match(human.stdout, /^Cut-off: .*, done$/m);
    assert.match(human.stdout, /^Legacy grants: 0$/m);
    assert.equal(inbox(h, ANNA).length, 4);
    assert.deepEqual(inbox(h, BEN), []);
    assert.deepEqual(inbox(h, CARL), []);
  } finally {
    await browser.close();
    await h.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
