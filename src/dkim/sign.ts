/**
 * DKIM-Signature header fields for a message (RFC 6376 §5), made by mailauth: its canonicalization,
 * body hash and signature maths, ours only the choice of keys and header fields, the oversigning
 * below, and keeping parsed keys (keepParsedKeys). relaxed/relaxed (§3.4.2, §3.4.4), so a relay that refolds a header or changes trailing
 * whitespace does not break the signature; ed25519-sha256 (RFC 8463 §3) and rsa-sha256 (RFC 8301).
 *
 * From is oversigned: named once more in h= than the message has From fields (§5.4.2, §8.15), so
 * that a From added on the way makes the signature fail instead of passing beside the false one.
 * mailauth 7.1 lists each field present once per instance and has no option for names absent from
 * the message, so its signer is given one: `DkimSigner` reads the field names it writes into h=
 * from the parsed header rows, and the topmost From row names "From" twice. A verifier (§5.4.2)
 * takes From instances from the bottom for each name in h=; the extra one finds none and adds
 * nothing to the hash, exactly as the signer hashed. sign.test.ts checks this against mailauth's
 * verifier (a second From fails), so an upgrade that changes the parser is caught.
 */
import type { KeyObject } from "node:crypto";
import { createRequire } from "node:module";
import { finished } from "node:stream/promises";
import type { Writable } from "node:stream";
import type { DkimAlgorithm } from "./keys.ts";

export interface SigningKey {
  selector: string;
  algorithm: DkimAlgorithm;
  /** PKCS #8 PEM: handed to mailauth only, never logged. */
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
].join(":");

/** What of mailauth's signer (lib/dkim/dkim-signer.js, which ships no types) this file uses. */
interface ParsedField {
  /** The field name lower-cased: what is matched against the list. */
  key: string;
  /** The field name as written: what goes into h=. */
  casedKey: string;
}
interface MailauthSigner extends Writable {
  signatureHeaders: string[];
  errors: Array<{ err: Error & { code?: string } }>;
  messageHeaders(headers: { parsed: ParsedField[] }): Promise<void>;
}
type SignerClass = new (options: {
  canonicalization: string;
  headerList: string;
  signatureData: Array<{ signingDomain: string; selector: string; privateKey: string; algorithm: string }>;
  strict: boolean;
}) => MailauthSigner;

let oversigning: SignerClass | null = null;

/** Parsed keys kept at most: a domain signs with two, a rotation adds two for a while. */
const KEYS_KEPT = 64;

/**
 * mailauth parses the PEM key for every signature (getPrivateKey in lib/tools.js), and OpenSSL sets
 * up an RSA key's Montgomery contexts on its first use: together more than half of the time a
 * message's two signatures take. The signer takes that function from tools.js when it loads, so
 * the export is wrapped first by one that keeps each parsed key. Should mailauth change that, keys
 * are parsed every time again: slower, still right.
 */
function keepParsedKeys(require: NodeJS.Require): void {
  const tools = require("mailauth/lib/tools.js") as { getPrivateKey: (key: string | Buffer) => KeyObject };
  const parse = tools.getPrivateKey;
  const kept = new Map<string, KeyObject>();
  tools.getPrivateKey = (key) => {
    if (typeof key !== "string") return parse(key);
    let parsed = kept.get(key);
    if (parsed === undefined) {
      if (kept.size >= KEYS_KEPT) kept.clear();
      parsed = parse(key);
      kept.set(key, parsed);
    }
    return parsed;
  };
}

/** mailauth's signer with From oversigned, loaded on first use: only the signing threads (sign-pool.ts) load mailauth. */
function oversigningSigner(): SignerClass {
  if (oversigning !== null) return oversigning;
  const require = createRequire(import.meta.url);
  keepParsedKeys(require);
  const { DkimSigner } = require("mailauth/lib/dkim/dkim-signer.js") as { DkimSigner: SignerClass };
  oversigning = class OversigningSigner extends DkimSigner {
    override async messageHeaders(headers: { parsed: ParsedField[] }): Promise<void> {
      // The rows are read bottom-up; the last From in h= is the topmost row's, so its name goes twice.
      const top = headers.parsed.find((h) => h.key === "from");
      if (top !== undefined) top.casedKey = `${top.casedKey}:${top.casedKey}`;
      await super.messageHeaders(headers);
    }
  };
  return oversigning;
}

export class DkimSignError extends Error {
  override name = "DkimSignError";
}

/**
 * The DKIM-Signature fields (CRLF-terminated, to go on top of the message) for `message` signed
 * as `domain` with each of `keys`; a DkimSignError when any of them could not be made.
 */
export async function signatures(message: Buffer, domain: string, keys: readonly SigningKey[]): Promise<Buffer> {
  const Signer = oversigningSigner();
  const signer = new Signer({
    canonicalization: "relaxed/relaxed",
    headerList: SIGNED_FIELDS,
    // Strict: refuse rather than sign what a verifier would reject (a bad d= or s=, a short key).
    strict: true,
    signatureData: keys.map((k) => ({ signingDomain: domain, selector: k.selector, privateKey: k.privateKey, algorithm: `${k.algorithm}-sha256` })),
  });
  signer.end(message);
  await finished(signer);
  const failed = signer.errors[0];
  // mailauth's messages name the problem (no From, a key of the wrong type), never key material.
  if (failed !== undefined) throw new DkimSignError(`${failed.err.code ?? "error"}: ${failed.err.message}`);
  if (signer.signatureHeaders.length !== keys.length) throw new DkimSignError("no signature made");
  return Buffer.from(signer.signatureHeaders.map((h) => `${h}\r\n`).join(""), "latin1");
}
