/**
 * Sign-in limits against a real server, from many loopback addresses (Linux routes all of
 * 127.0.0.0/8 to lo, so a client socket bound to 127.0.0.2 or 127.0.1.5 is another client):
 * parallel wrong passwords from one address get no more password checks than the limit; an
 * attacked account still lets its owner in from another network, at once, on IMAP, POP3 and
 * submission; and the login history shows the attack as one counted entry per address.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { HistoryEntry } from "../src/audit/index.ts";
import { eventuallyInHistory } from "./imap-login-helpers.ts";
import { startSealpost, type ServerHandle } from "./harness.ts";
import { RawImap, type Reply } from "./imap-raw.ts";
import { plainB64, RawPop3 } from "./pop3-raw.ts";
import { RawSmtp } from "./smtp-raw.ts";

const ALICE = "alice@example.test";
const PW = "alice-correct-password";
const USERS = [{ address: ALICE, password: PW }];
const DOMAINS = [{ name: "example.test" }];

const IMAP_FAILED = "NO [AUTHENTICATIONFAILED] Authentication failed.";
const IMAP_THROTTLED = /^NO \[UNAVAILABLE\] /;
const POP3_THROTTLED = /^-ERR \[LOGIN-DELAY\] /;
const SMTP_THROTTLED = /^454 4\.7\.0 /;

const imapLogin = (c: RawImap, password: string, timeoutMs?: number): Promise<Reply> => c.command(`LOGIN "${ALICE}" "${password}"`, timeoutMs);
const status = (r: Reply): string => `${r.status} ${r.text}`;

/** The rows of real password checks that failed on a wrong password. */
const wrongPasswords = (entries: HistoryEntry[]): HistoryEntry[] => entries.filter((e) => e.result === "failed" && e.reason === "wrong password");
const throttled = (entries: HistoryEntry[]): HistoryEntry[] => entries.filter((e) => e.throttled !== null);

/** AUTH PLAIN on submission (587, STARTTLS) from `localAddress`; the reply line. */
async function submissionAuth(h: ServerHandle, localAddress: string, password: string): Promise<string> {
  const c = await RawSmtp.open(h.ports.submission, { localAddress });
  try {
    await c.expect("EHLO client.test", 250);
    await c.expect("STARTTLS", 220);
    await c.startTls();
    await c.expect("EHLO client.test", 250);
    return (await c.command(`AUTH PLAIN ${plainB64(ALICE, password)}`)).raw.trim();
  } finally {
    await c.quit();
  }
}

async function pop3Login(h: ServerHandle, localAddress: string, password: string): Promise<string> {
  const { c } = await RawPop3.open(h.ports.pop3s, { tls: true, localAddress });
  try {
    return await c.login(ALICE, password);
  } finally {
    await c.quit();
  }
}

test("50 parallel right sign-ins from one address all get in (an office behind one address): the limits count failures", async () => {
  const h = await startSealpost({ domains: DOMAINS, users: USERS, settings: { connections: "max_connections_per_ip = 100" } });
  try {
    const clients = await Promise.all(Array.from({ length: 50 }, () => RawImap.open(h.ports.imaps, { localAddress: "127.0.0.3" })));
    // Five checks at a time (the per-user limit) on a machine busy with other tests: allow them
    // most of the server's login deadline (60 s), not only a single command's 10 s.
    const replies = (await Promise.all(clients.map((c) => imapLogin(c, PW, 50_000)))).map(status);
    for (const c of clients) c.close();
    assert.deepEqual(replies.filter((r) => !r.startsWith("OK")), [], "every sign-in succeeded");
  } finally {
    await h.cleanup();
  }
});

test("50 parallel wrong sign-ins from one address get no more password checks than the limit", async () => {
  // The per-user limit is raised out of the way: this is the per-address limit (10, the default).
  const h = await startSealpost({
    domains: DOMAINS,
    users: USERS,
    settings: { auth: "failure_delay_ms = 50\nmax_failures_per_user = 100", connections: "max_connections_per_ip = 100" },
  });
  try {
    const attacker = "127.0.0.2";
    const clients = await Promise.all(Array.from({ length: 50 }, () => RawImap.open(h.ports.imaps, { localAddress: attacker })));
    // Every connection is up; the 50 LOGINs go out at once.
    const replies = (await Promise.all(clients.map((c, i) => imapLogin(c, `wrong-${i}`)))).map(status);
    for (const c of clients) c.close();
    const failed = replies.filter((r) => r === IMAP_FAILED).length;
    const refused = replies.filter((r) => IMAP_THROTTLED.test(r)).length;
    assert.deepEqual({ failed, refused }, { failed: 10, refused: 40 }, replies.join("\n"));

    // The history: ten real checks, and the forty refusals as one entry that counts them.
    const entries = await eventuallyInHistory(h, ALICE, (e) => {
      const t = throttled(e);
      return wrongPasswords(e).length >= 10 && t.length === 1 && t[0]?.attempts === 40 ? e : undefined;
    });
    assert.equal(wrongPasswords(entries).length, 10, JSON.stringify(entries, null, 1));
    assert.equal(entries.length, 11, "no row per refused attempt");
    const [row] = throttled(entries);
    assert.ok(row !== undefined);
    assert.deepEqual([row.result, row.clientIp, row.protocol, row.port], ["refused", attacker, "imap", h.ports.imaps]);
    assert.equal(row.throttled, `40 sign-ins from ${attacker} refused without a password check, after 10 failed sign-ins from ${attacker} within 5 minutes`);

    // The limit is the attacker's: the owner, from another network, signs in at once.
    const owner = await RawImap.open(h.ports.imaps, { localAddress: "127.0.1.5" });
    assert.equal((await imapLogin(owner, PW)).status, "OK");
    owner.close();
  } finally {
    await h.cleanup();
  }
});

test("the owner signs in from another address while the account is attacked, on IMAP, POP3 and submission", async () => {
  // Default limits: 5 wrong passwords per user name and address, 10 per address, 30 per /24.
  const h = await startSealpost({ domains: DOMAINS, users: USERS, settings: { auth: "failure_delay_ms = 50" } });
  try {
    // One address guesses alice's password six times: five checks, then it may no longer try her name.
    const first = await RawImap.open(h.ports.imaps, { localAddress: "127.0.0.2" });
    const firstReplies: string[] = [];
    for (let i = 0; i < 6; i++) firstReplies.push(status(await imapLogin(first, `guess-${i}`)));
    first.close();
    assert.deepEqual(firstReplies.slice(0, 5), Array<string>(5).fill(IMAP_FAILED));
    assert.match(firstReplies[5] ?? "", IMAP_THROTTLED);
    // Nine more addresses in 127.0.0.0/24 do the same, in parallel.
    const attackers = Array.from({ length: 9 }, (_, i) => `127.0.0.${i + 3}`);
    const replies = (
      await Promise.all(
        attackers.map(async (ip) => {
          const c = await RawImap.open(h.ports.imaps, { localAddress: ip });
          const out: string[] = [];
          for (let i = 0; i < 6; i++) out.push(status(await imapLogin(c, `guess-${ip}-${i}`)));
          c.close();
          return out;
        }),
      )
    ).flat();
    // Five per address would be 45 more checks; the network's limit stops them at 30 in all.
    assert.equal(replies.filter((r) => r === IMAP_FAILED).length, 25, replies.join("\n"));
    assert.equal(replies.filter((r) => IMAP_THROTTLED.test(r)).length, 29, replies.join("\n"));

    // The attacking addresses, and their /24, are throttled — even with the right password,
    // on every protocol.
    const a = await RawImap.open(h.ports.imaps, { localAddress: "127.0.0.2" });
    assert.match(status(await imapLogin(a, PW)), IMAP_THROTTLED);
    a.close();
    assert.match(await pop3Login(h, "127.0.0.3", PW), POP3_THROTTLED);
    assert.match(await submissionAuth(h, "127.0.0.200", PW), SMTP_THROTTLED);

    // The owner, from another /24, signs in at once on all three.
    const owner = "127.0.1.5";
    const imap = await RawImap.open(h.ports.imaps, { localAddress: owner });
    assert.equal(status(await imapLogin(imap, PW)).slice(0, 2), "OK");
    imap.close();
    assert.equal(await pop3Login(h, owner, PW), "+OK Logged in.");
    assert.equal(await submissionAuth(h, owner, PW), "235 2.7.0 Authentication successful");

    // The history shows the attack: every real check, and per attacking address one entry
    // counting its refused sign-ins (33: the 30 above, and the right password three times).
    const entries = await eventuallyInHistory(h, ALICE, (e) => {
      const total = throttled(e).reduce((n, x) => n + x.attempts, 0);
      return total >= 33 && e.filter((x) => x.result === "ok").length >= 3 ? e : undefined;
    });
    assert.equal(wrongPasswords(entries).length, 30);
    const rows = throttled(entries);
    assert.equal(rows.reduce((n, x) => n + x.attempts, 0), 33, JSON.stringify(rows, null, 1));
    const perAddress = new Map<string, number>();
    for (const r of rows) perAddress.set(r.clientIp, (perAddress.get(r.clientIp) ?? 0) + 1);
    assert.ok([...perAddress.values()].every((n) => n === 1), `one entry per address: ${JSON.stringify([...perAddress])}`);
    assert.ok(rows.every((r) => r.clientIp.startsWith("127.0.0.")));
    assert.deepEqual(
      entries.filter((x) => x.result === "ok").map((x) => `${x.protocol} ${x.clientIp}`).sort(),
      [`imap ${owner}`, `pop3 ${owner}`, `submission ${owner}`],
    );
    // The 200th address never failed: it was refused for its network.
    const net = rows.find((r) => r.clientIp === "127.0.0.200");
    assert.equal(net?.throttled, "1 sign-in from 127.0.0.200 refused without a password check, after 30 failed sign-ins from its network 127.0.0.0/24 within 5 minutes");

    // In words, as `sealpost history` prints it.
    const human = h.cli(["history", ALICE]);
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /imap:\d+ +127\.0\.0\.2 .* LOGIN refused: 2 sign-ins from 127\.0\.0\.2 refused without a password check, after 5 wrong passwords for this account from 127\.0\.0\.2 within 5 minutes/);
    assert.match(human.stdout, /submission:\d+ +127\.0\.0\.200 .* AUTH PLAIN refused: 1 sign-in from 127\.0\.0\.200 refused without a password check, after 30 failed sign-ins from its network 127\.0\.0\.0\/24/);
  } finally {
    await h.cleanup();
  }
});

test("an attacker on the owner's own network — and at the owner's own address — cannot lock the owner out of an address the owner uses", async () => {
  const h = await startSealpost({ domains: DOMAINS, users: USERS, settings: { auth: "failure_delay_ms = 50" } });
  try {
    const home = "127.0.5.9";
    // The owner has used this address before.
    assert.equal(await pop3Login(h, home, PW), "+OK Logged in.");
    // The attacker fills the /24 from three other addresses, then the owner's address too, with other names.
    await Promise.all(
      ["127.0.5.20", "127.0.5.21", "127.0.5.22", home].map(async (ip) => {
        const c = await RawImap.open(h.ports.imaps, { localAddress: ip });
        for (let i = 0; i < 10; i++) await c.command(`LOGIN "victim${i}@example.test" "guess"`);
        c.close();
      }),
    );
    // The network and the owner's address are full: a newcomer there is refused even with a right password …
    assert.match(await pop3Login(h, "127.0.5.30", PW), POP3_THROTTLED);
    // … but the owner at the address the owner used gets in, on every protocol.
    const imap = await RawImap.open(h.ports.imaps, { localAddress: home });
    assert.equal((await imapLogin(imap, PW)).status, "OK");
    imap.close();
    assert.equal(await pop3Login(h, home, PW), "+OK Logged in.");
    assert.equal(await submissionAuth(h, home, PW), "235 2.7.0 Authentication successful");
  } finally {
    await h.cleanup();
  }
});
