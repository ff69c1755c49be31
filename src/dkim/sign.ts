/**
 * DKIM-Signature header fields for a message (RFC 6376 §5): relaxed/relaxed canonicalization
 * (§3.4.2, §3.4.4), so a relay that refolds a header or changes trailing whitespace does not break
 * the signature; ed25519-sha256 (RFC 8463 §3) and rsa-sha256 (RFC 8301).
 *
 * Our own code, not mailauth's signer (which verifies inbound, src/sender-auth): a message's two
 * signatures cost mailauth's streams and parser more than the signing itself, and its signer signs
 * on the event loop. Here the canonical body and header bytes are made in a few linear passes over
 * the message. The private-key operations run on the event loop too (crypto.sign without a
 * callback): an RSA-2048 signature is about 0.3 ms, and handing each one to libuv's thread pool
 * cost more CPU in thread wake-ups than the signature itself (bench:outbound --via submission).
 * sign.test.ts checks every signature against mailauth's verifier, dkim-signing.test.ts against
 * its command-line tool, for both key types.
 *
 * From is oversigned: named once more in h= than the message has From fields (§5.4.2, §8.15), so
 * that a From added on the way makes the signature fail instead of passing beside the false one.
 * A verifier takes a name's instances from the bottom; the extra one finds none and adds nothing.
 */
import { createHash, createPrivateKey, sign, type KeyObject } from "node:crypto";
import { fieldName, messageHead, scanHeader } from "../mime/index.ts";
import type { DkimAlgorithm } from "./keys.ts";
import { bodyHash } from "./relaxed-body.ts";

export interface SigningKey {
  selector: string;
  algorithm: DkimAlgorithm;
  /** PKCS #8 PEM: parsed here, never logged. */
  privateKey: string;
}

/**
 * The header fields signed: RFC 6376 §5.4.1's recommended list (From, Reply-To, Subject, Date, To,
 * Cc, Resent-*, In-Reply-To, References, List-*), and Sender, Message-ID, the MIME fields that say
 * how to read the body (a changed Content-Type could show a different part), and TLS-Required
 * (RFC 8689) so that no relay adds it unnoticed. Never Received or Return-Path, which relays add.
 * Only fields the message has are signed, besides the oversigned From.
 */
const SIGNED_FIELDS = [
  "From", "Sender", "Reply-To", "Subject", "Date", "Message-ID", "To", "Cc",
  "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Content-Disposition",
  "Resent-Date", "Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc", "Resent-Message-ID",
  "In-Reply-To", "References",
  "List-Id", "List-Help", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Subscribe", "List-Post", "List-Owner", "List-Archive",
  "TLS-Required",
];
const SIGNED = new Set(SIGNED_FIELDS.map((n) => n.toLowerCase()));

/**
 * How much of a message's start is read for its header section: submission refuses a longer one
 * (smtp-server/author-check.ts, 552), so only mail we write ourselves could reach it.
 */
export const MAX_HEADER = 256 * 1024;

/** Signature lines are folded before this many characters (RFC 5322 §2.1.1's 78, with room). */
const FOLD_AT = 76;

export class DkimSignError extends Error {
  override name = "DkimSignError";
}

/** Parsed keys kept at most: a domain signs with two, a rotation adds two for a while. */
const KEYS_KEPT = 64;
const parsedKeys = new Map<string, KeyObject>();

/**
 * The key object for a PEM, parsed once: parsing, and OpenSSL's set-up of an RSA key's Montgomery
 * contexts on first use, cost more than a signature.
 */
function keyObject(pem: string): KeyObject {
  let key = parsedKeys.get(pem);
  if (key === undefined) {
    if (parsedKeys.size >= KEYS_KEPT) parsedKeys.clear();
    try {
      key = createPrivateKey(pem);
    } catch {
      throw new DkimSignError("EKEY: the private key cannot be read"); // OpenSSL's message is not repeated: no key material in errors
    }
    parsedKeys.set(pem, key);
  }
  return key;
}

/** A tab, or two or more blanks: what relaxed canonicalization turns into one SP. */
const BLANKS = /\t[ \t]*| [ \t]+/g;
const LINE_BREAK = /\r?\n/g;

/**
 * One header field relaxed (RFC 6376 §3.4.2): the name lower-cased, the value unfolded, whitespace
 * runs as one SP, none around the colon or at the end; CRLF-terminated. `value` is the raw value
 * after the colon as latin1 (bytes kept as they are).
 */
export function relaxedField(name: string, value: string): string {
  let v = value.replace(LINE_BREAK, "").replace(BLANKS, " ");
  if (v.startsWith(" ")) v = v.slice(1);
  if (v.endsWith(" ")) v = v.slice(0, -1);
  return `${name.toLowerCase()}:${v}\r\n`;
}

interface Field {
  name: string;
  /** The raw value after the colon (latin1), line breaks and all. */
  value: string;
}

/**
 * The header's fields, top down, and where the body starts, read from the message's first
 * MAX_HEADER bytes; a DkimSignError when the header section goes on past them.
 */
function readHeader(parts: readonly Buffer[]): { fields: Field[]; bodyStart: number } {
  const head = messageHead(parts, MAX_HEADER);
  const fields: Field[] = [];
  const { bodyStart } = scanHeader(head, 0, head.length, (start, colon, end) => {
    const name = fieldName(head, start, colon);
    if (name !== null && SIGNED.has(name)) fields.push({ name, value: head.toString("latin1", colon + 1, end) });
  });
  if (bodyStart >= head.length && head.length < parts.reduce((n, p) => n + p.length, 0)) {
    throw new DkimSignError(`EHEADER: the header section is longer than ${MAX_HEADER} bytes`);
  }
  return { fields, bodyStart };
}

/**
 * h= and the signed fields' canonical text (§5.4.2): each listed name once per instance, taken
 * from the bottom up, From once more.
 */
function signedHeader(fields: readonly Field[]): { names: string[]; canonical: string } {
  const names: string[] = [];
  let canonical = "";
  for (const name of SIGNED_FIELDS) {
    const instances = fields.filter((f) => f.name === name.toLowerCase());
    for (let i = instances.length - 1; i >= 0; i--) {
      const f = instances[i];
      if (f === undefined) continue;
      names.push(name);
      canonical += relaxedField(f.name, f.value);
    }
    if (name === "From") names.push(name);
  }
  return { names, canonical };
}

/**
 * Tags joined as `a=1; b=2`, a line folded (CRLF TAB) between tags, or after a colon inside h=,
 * before it would pass FOLD_AT: folding whitespace is allowed there (§3.2, §3.5).
 */
function folded(prefix: string, tags: ReadonlyArray<[string, string]>): string {
  let out = prefix;
  let line = prefix.length;
  const put = (token: string, sep: string): void => {
    if (line + sep.length + token.length > FOLD_AT) {
      out += `\r\n\t${token}`;
      line = 1 + token.length;
    } else {
      out += sep + token;
      line += sep.length + token.length;
    }
  };
  for (const [i, [tag, value]] of tags.entries()) {
    const end = i < tags.length - 1 ? ";" : "";
    const parts = tag === "h" ? value.split(":") : [value];
    for (const [j, part] of parts.entries()) {
      const last = j === parts.length - 1;
      put(`${j === 0 ? `${tag}=` : ""}${part}${last ? end : ":"}`, j === 0 ? " " : "");
    }
  }
  return out;
}

/** The b= value folded in lines of at most FOLD_AT (base64 may hold FWS, §3.5). */
function foldedBase64(b64: string, used: number): string {
  let out = "";
  let at = 0;
  let room = Math.max(8, FOLD_AT - used);
  while (at < b64.length) {
    if (at > 0) out += "\r\n\t";
    out += b64.slice(at, at + room);
    at += room;
    room = FOLD_AT - 1;
  }
  return out;
}

/** The signature over `data` (RFC 8463 §3: Ed25519, PureEdDSA, over its SHA-256 hash; RFC 8301: RSASSA-PKCS1-v1_5 with SHA-256). */
function signWith(algorithm: DkimAlgorithm, data: Buffer, key: KeyObject): Buffer {
  try {
    return algorithm === "ed25519" ? sign(null, createHash("sha256").update(data).digest(), key) : sign("sha256", data, key);
  } catch {
    throw new DkimSignError("ESIGN: the signature could not be made"); // OpenSSL's message is not repeated
  }
}

/** One DKIM-Signature field (CRLF-terminated) over `signed` (the canonical signed fields) and `bh`. */
function signatureField(key: SigningKey, domain: string, names: readonly string[], signed: string, bh: string, time: number): string {
  const algorithm = `${key.algorithm}-sha256`;
  const head = folded("DKIM-Signature:", [
    ["v", "1"],
    ["a", algorithm],
    ["c", "relaxed/relaxed"],
    ["d", domain],
    ["s", key.selector],
    ["t", String(time)],
    ["h", names.join(":")],
    ["bh", bh],
    ["b", ""],
  ]);
  // §3.7: the signature covers the signed fields and this field itself, relaxed, with b= empty and no final CRLF.
  const own = relaxedField("DKIM-Signature", head.slice("DKIM-Signature:".length)).slice(0, -2);
  const sig = signWith(key.algorithm, Buffer.from(signed + own, "latin1"), keyObject(key.privateKey));
  const lastLine = head.length - (head.lastIndexOf("\n") + 1);
  return `${head}${foldedBase64(sig.toString("base64"), lastLine)}\r\n`;
}

/**
 * The DKIM-Signature fields (CRLF-terminated, to go on top of the message) for the message in
 * `parts` (its bytes in order, as SMTP read them) signed as `domain` with each of `keys`, in their
 * order; a DkimSignError when any of them could not be made.
 */
export async function signatures(parts: readonly Buffer[], domain: string, keys: readonly SigningKey[], now = Date.now()): Promise<Buffer> {
  const { fields, bodyStart } = readHeader(parts);
  // RFC 6376 §5.4: From is the one field that must be signed.
  if (!fields.some((f) => f.name === "from")) throw new DkimSignError("ENOFROM: the message has no From field to sign");
  const bh = await bodyHash(parts, bodyStart);
  const { names, canonical } = signedHeader(fields);
  const time = Math.floor(now / 1000);
  const made = keys.map((k) => signatureField(k, domain, names, canonical, bh, time));
  return Buffer.from(made.join(""), "latin1");
}
