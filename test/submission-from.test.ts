/**
 * The header From (and Sender) of a submitted message must be the signed-in account's own: outgoing
 * mail is DKIM-signed as the From's domain, so alice of example.test must not send as the boss of
 * other.test, which is hosted here too and would sign it. Python's smtplib over STARTTLS and AUTH
 * on the submission port: her own From (display name, domain in capitals) is delivered; another
 * hosted domain's From, two From fields, none, someone else's Sender, and a forged From under the
 * null envelope sender (an MDN's) are refused with 550 5.7.1 after the final "." — nothing stored,
 * nothing queued, and each refusal recorded for its recipients.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { listQueue } from "../src/queue/index.ts";
import { eventually, python, startSealpost, type ServerHandle } from "./harness.ts";
import { readMailboxText, waitForMessage } from "./mailbox.ts";
import { SMTPLIB_PRELUDE } from "./support/python-smtp.ts";
import { openDataDir } from "./support/postgres.ts";

const ALICE = "alice@example.test";
const BOB = "bob@example.test";
const BOSS = "boss@other.test";
const REMOTE = "carol@remote.example";
const PW = `alice-pw-${randomBytes(6).toString("hex")}`;
const NOT_OWNED = (address: string): string => `550 5.7.1 <${address}>: From address rejected: not owned by user ${ALICE}`;

let h: ServerHandle;

before(async () => {
  h = await startSealpost({
    domains: [{ name: "example.test" }, { name: "other.test" }],
    users: [
      { address: ALICE, password: PW },
      { address: BOB, password: `bob-pw-${randomBytes(6).toString("hex")}` },
      { address: BOSS, password: `boss-pw-${randomBytes(6).toString("hex")}` },
    ],
  });
});
after(async () => {
  await h.cleanup();
});

/**
 * Sends each message in one signed-in session (MAIL FROM `from`, to bob and a remote recipient);
 * the reply after DATA for each, by name.
 */
function submit(messages: Record<string, { from?: string; header: string }>): Record<string, string> {
  const out = python(
    `${SMTPLIB_PRELUDE}
s = smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]), local_hostname="client.example.test", timeout=20)
s.starttls(context=CTX)
s.login(os.environ["ALICE"], os.environ["PW"])
for name, m in json.loads(os.environ["MESSAGES"]).items():
    s.mail(m["from"])
    s.rcpt(os.environ["BOB"])
    s.rcpt(os.environ["REMOTE"])
    out[name] = line(s.data((m["header"] + "To: " + os.environ["BOB"] + "\\r\\nSubject: " + name + "\\r\\n\\r\\nbody of " + name + "\\r\\n").encode()))
s.quit()
print(json.dumps(out))
`,
    {
      PORT: String(h.ports.submission),
      ALICE,
      PW,
      BOB,
      REMOTE,
      MESSAGES: JSON.stringify(Object.fromEntries(Object.entries(messages).map(([k, m]) => [k, { from: m.from ?? ALICE, header: m.header }]))),
    },
  );
  return JSON.parse(out) as Record<string, string>;
}

test("own From (display name, domain in capitals) is delivered; another hosted domain's From, two or no From fields, someone else's Sender, a forged MDN: 550 5.7.1, nothing stored or queued, recorded", async () => {
  const tag = randomBytes(4).toString("hex");
  const name = (what: string): string => `${what}-${tag}`;
  const replies = submit({
    [name("forged")]: { header: `From: The Boss <${BOSS}>\r\n` },
    [name("forged-among-own")]: { header: `From: ${ALICE}, ${BOSS}\r\n` },
    [name("two-from")]: { header: `From: ${ALICE}\r\nFrom: ${ALICE}\r\n` },
    [name("no-from")]: { header: "" },
    [name("sender")]: { header: `From: ${ALICE}\r\nSender: <${BOSS}>\r\n` },
    [name("mdn")]: { from: "", header: `From: ${BOSS}\r\n` },
    [name("own")]: { header: `From: "Alice Example" <alice@EXAMPLE.Test>\r\nSender: Alice <${ALICE}>\r\n` },
  });
  assert.deepEqual(replies, {
    [name("forged")]: NOT_OWNED(BOSS),
    [name("forged-among-own")]: NOT_OWNED(BOSS),
    [name("two-from")]: "550 5.7.1 Error: message has 2 From header fields (RFC 5322 §3.6 allows one)",
    [name("no-from")]: "550 5.7.1 Error: message has no From header field (RFC 5322 §3.6 requires one)",
    [name("sender")]: `550 5.7.1 <${BOSS}>: Sender address rejected: not owned by user ${ALICE}`,
    [name("mdn")]: NOT_OWNED(BOSS),
    [name("own")]: replies[name("own")] ?? "",
  });
  assert.match(replies[name("own")] ?? "", /^250 2\.0\.0 Ok: queued as [0-9A-F]+$/);

  // The accepted message came after the refused ones in the same session: once it is in bob's
  // INBOX, the refused ones would be there too, had any been stored.
  await waitForMessage(h.dataDir, BOB, name("own"));
  const inbox = await readMailboxText(h.dataDir, BOB);
  assert.deepEqual(inbox.filter((m) => m.includes(tag)).map((m) => /^Subject: (.*)$/m.exec(m)?.[1]?.trim()), [name("own")]);

  const store = await openDataDir(h.dataDir);
  try {
    const queued = await Promise.all((await listQueue(store.db)).map(async (q) => (await store.blobs.read(q.blob)).toString("latin1")));
    assert.deepEqual(queued.filter((m) => m.includes(tag)).map((m) => /^Subject: (.*)$/m.exec(m)?.[1]?.trim()), [name("own")], "only the accepted message is queued for the remote recipient");
    // The audit writes refusals in its next group commit.
    const rows = await eventually(async () => {
      const r = await store.db.selectFrom("smtp_recipients").select(["rcpt", "code", "enhanced", "text", "mail_from"]).where("code", "=", 550).orderBy("id").execute();
      return r.length >= 12 ? r : undefined;
    }, 5000, "the refusals' audit rows");
    const forged = rows.filter((r) => r.text === NOT_OWNED(BOSS).slice("550 5.7.1 ".length));
    // forged, forged-among-own and the MDN: each refusal once per recipient, with its envelope sender.
    assert.deepEqual(
      forged.map((r) => [r.rcpt, r.enhanced, r.mail_from]),
      [
        [BOB, "5.7.1", ALICE],
        [REMOTE, "5.7.1", ALICE],
        [BOB, "5.7.1", ALICE],
        [REMOTE, "5.7.1", ALICE],
        [BOB, "5.7.1", ""],
        [REMOTE, "5.7.1", ""],
      ],
    );
    assert.equal(rows.length, 12, "two recipients for each of the six refused messages");
  } finally {
    await store.close();
  }
});
