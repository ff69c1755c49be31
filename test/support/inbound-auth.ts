/**
 * What the inbound sender-authentication tests share (test/inbound-auth*.test.ts): DKIM keys whose
 * public halves go into the test DNS zone, messages signed with mailauth's dkimSign, a Sealpost whose
 * resolver is the test DNS server, sending with Python's smtplib and reading with Python's imaplib.
 *
 * Python runs asynchronously here: the DNS server lives in this process, and a blocking child would
 * leave the server's questions unanswered while it runs.
 */
import { execFile } from "node:child_process";
import { generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { dkimSign } from "mailauth";
import { startDnsServer, type DnsServer, type Zone } from "../dns-server.ts";
import { startSealpost, type ServerHandle } from "../harness.ts";
import { IMAP_LOGIN } from "./python-imap.ts";

export const tag = (what: string): string => `${what}-${randomBytes(4).toString("hex")}`;

/** The hosted domain and its account every test server has. */
export const HOSTED = "example.test";
export const ALICE = `alice@${HOSTED}`;
export const PW = "alice-password-1";

export interface DkimKey {
  privateKey: string;
  /** The TXT record for SELECTOR._domainkey.DOMAIN (RFC 6376 §3.6.1; RFC 8463 §4 for Ed25519: the raw key). */
  record: string[];
}

/** A TXT record's text in character-strings of at most 255 octets (RFC 1035 §3.3.14). */
const strings = (text: string): string[] => text.match(/.{1,255}/g) ?? [];

export function dkimKey(type: "ed25519" | "rsa"): DkimKey {
  const { privateKey, publicKey }: { privateKey: KeyObject; publicKey: KeyObject } =
    type === "rsa" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ed25519");
  const spki = publicKey.export({ type: "spki", format: "der" });
  // An Ed25519 SubjectPublicKeyInfo is a 12-byte prefix and the 32-byte key.
  const p = (type === "ed25519" ? spki.subarray(12) : spki).toString("base64");
  return { privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), record: strings(`v=DKIM1; k=${type}; p=${p}`) };
}

/** `message` with a DKIM-Signature field (relaxed/relaxed) by each of `signers`. */
export async function sign(message: string, signers: ReadonlyArray<{ domain: string; selector: string; key: DkimKey }>): Promise<string> {
  const signatureData = signers.map((s) => ({ signingDomain: s.domain, selector: s.selector, privateKey: s.key.privateKey }));
  const first = signatureData[0];
  if (first === undefined) return message;
  // mailauth signs what signatureData lists; its types want one signer's fields at the top as well.
  const r = await dkimSign(message, { ...first, signatureData });
  if (r.errors.length > 0 || r.signatures === "") throw new Error(`dkimSign: ${r.errors.map((e) => e.err.message).join("; ")}`);
  return r.signatures + message;
}

/** A plain message with a unique subject (the marker to find it by). */
export function message(from: string, subject: string, extra = ""): string {
  return `From: <${from}>\r\nTo: <${ALICE}>\r\nSubject: ${subject}\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <${subject}@test>\r\n${extra}\r\nHello, this is ${subject}.\r\n`;
}

export interface AuthServer {
  h: ServerHandle;
  dns: DnsServer;
  cleanup(): Promise<void>;
}

/** A Sealpost (hosted example.test with alice) whose DNS is a test server with `zone`; `settings` as startSealpost's. */
export async function startAuthServer(zone: Zone, settings: Record<string, string> = {}): Promise<AuthServer> {
  const dns = await startDnsServer(zone);
  const h = await startSealpost({
    hostname: "mx.sealpost.test",
    domains: [{ name: HOSTED }],
    users: [{ address: ALICE, password: PW }],
    settings: { dns: `servers = ["${dns.address}"]\ntimeout_ms = 1000`, ...settings },
  });
  return {
    h,
    dns,
    async cleanup() {
      await h.cleanup();
      await dns.close();
    },
  };
}

function pythonAsync(code: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("python3", ["-c", code], { encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`python failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

export interface Reply {
  code: number;
  text: string;
}

export interface Outgoing {
  from: string;
  /** Default: alice. */
  to?: string[];
  msg: string;
  /** The EHLO name (default client.sender.test). */
  helo?: string;
  /** STARTTLS first (default true). */
  tls?: boolean;
}

/**
 * Sends each message to the MX in a session of its own, with Python's smtplib (one Python process
 * for all of them), and returns each reply to the end of DATA: smtplib's data() hands back any
 * final reply.
 */
export async function sendAll(h: ServerHandle, messages: readonly Outgoing[]): Promise<Reply[]> {
  const batch = messages.map((o) => ({ from: o.from, to: o.to ?? [ALICE], msg: Buffer.from(o.msg, "latin1").toString("base64"), helo: o.helo ?? "client.sender.test", tls: o.tls !== false }));
  const out = await pythonAsync(
    `
import base64, json, os, smtplib, ssl
replies = []
for m in json.loads(os.environ["BATCH"]):
    s = smtplib.SMTP("127.0.0.1", int(os.environ["PORT"]), local_hostname=m["helo"], timeout=60)
    if m["tls"]:
        ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
        s.starttls(context=ctx)
    s.ehlo(m["helo"])
    code, text = s.mail(m["from"])
    assert code == 250, (code, text)
    for r in m["to"]:
        code, text = s.rcpt(r)
        assert code == 250, (code, text)
    code, text = s.data(base64.b64decode(m["msg"]))
    replies.append({"code": code, "text": text.decode()})
    s.quit()
print(json.dumps(replies))
`,
    { PORT: String(h.ports.mx), BATCH: JSON.stringify(batch) },
  );
  return JSON.parse(out) as Reply[];
}

/** One message (sendAll). */
export async function send(h: ServerHandle, o: Outgoing): Promise<Reply> {
  const [reply] = await sendAll(h, [o]);
  if (reply === undefined) throw new Error("no reply");
  return reply;
}

/**
 * The header section of the message with each Subject in alice's `folder`, read with Python's
 * imaplib in one session; "" for one that is not there.
 */
export async function headersIn(h: ServerHandle, folder: string, subjects: readonly string[]): Promise<string[]> {
  const out = await pythonAsync(
    `${IMAP_LOGIN}
import json
typ, _ = M.select(e["FOLDER"], readonly=True)
assert typ == "OK", typ
found = []
for subject in json.loads(e["SUBJECTS"]):
    typ, data = M.search(None, "HEADER", "Subject", subject)
    ids = data[0].split()
    found.append(M.fetch(ids[-1], "(BODY.PEEK[HEADER])")[1][0][1].decode("latin1") if ids else "")
M.logout()
print(json.dumps(found))
`,
    { IMAPS: String(h.ports.imaps), USER: ALICE, PW, FOLDER: folder, SUBJECTS: JSON.stringify(subjects) },
  );
  return JSON.parse(out) as string[];
}

/** One message's header section (headersIn). */
export async function headerIn(h: ServerHandle, folder: string, subject: string): Promise<string> {
  return (await headersIn(h, folder, [subject]))[0] ?? "";
}

/** Every Authentication-Results field of a header section, unfolded. */
export function authResults(header: string): string[] {
  return [...header.matchAll(/^Authentication-Results:((?:.*)(?:\r\n[ \t].*)*)/gim)].map((m) => (m[1] ?? "").replace(/\r\n[ \t]+/g, " ").trim());
}

/** The one Authentication-Results field this host added (its authserv-id first), or throws. */
export function ours(header: string): string {
  const mine = authResults(header).filter((v) => v.startsWith("mx.sealpost.test;"));
  if (mine.length !== 1) throw new Error(`expected one Authentication-Results of mx.sealpost.test, got ${JSON.stringify(authResults(header))}\n${header}`);
  return mine[0] ?? "";
}
