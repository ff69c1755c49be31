/**
 * One certificate pair as the store serves it: read from its files, checked (the key matches the
 * leaf, the leaf names a host), and ranked among the others. Errors are one line naming the file;
 * a private key's contents never appear in them.
 */
import { readFile } from "node:fs/promises";
import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";
import { parseSubjectAltName, type CertificateSpec } from "./certificate-files.ts";

export interface LoadedPair {
  spec: CertificateSpec;
  chainPem: string;
  keyPem: string;
  leaf: X509Certificate;
  key: KeyObject;
  names: string[];
  /** Issued by itself: a placeholder (`sealpost init`'s), which a CA-issued certificate for its names replaces. */
  selfSigned: boolean;
  /** Kept by the server itself (ACME, src/acme), not named in the configuration. */
  managed: boolean;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export async function loadPair(spec: CertificateSpec, managed = false): Promise<LoadedPair> {
  const chainText = await readText(spec.cert);
  const keyPem = await readText(spec.key);
  const blocks = chainText.match(PEM_CERT) ?? [];
  const first = blocks[0];
  if (first === undefined) throw new Error(`${spec.cert}: no PEM certificate found`);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(first);
    for (const b of blocks.slice(1)) new X509Certificate(b);
  } catch (err) {
    throw new Error(`${spec.cert}: unreadable certificate: ${errorText(err)}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    // The error text from OpenSSL does not echo the input, but only its code is needed here.
    throw new Error(`${spec.key}: not a readable unencrypted PEM private key (${errorCode(err)})`);
  }
  if (!leaf.checkPrivateKey(key)) {
    throw new Error(`${spec.key}: private key does not match the first certificate in ${spec.cert}`);
  }
  const names = leafNames(leaf);
  if (names.length === 0) throw new Error(`${spec.cert}: certificate names no DNS host (no subjectAltName dNSName or CN)`);
  const selfSigned = leaf.subject === leaf.issuer && leaf.verify(leaf.publicKey);
  return { spec, chainPem: blocks.join("\n") + "\n", keyPem, leaf, key, names, selfSigned, managed };
}

/**
 * The order the store serves pairs in (for a name, the first pair covering it wins; the first pair
 * is the default): the configured pairs a CA issued, as listed — the operator chose them, so a
 * managed (ACME) certificate for the same name does not displace them — then the managed ones,
 * then the configured self-signed ones, which are placeholders a managed certificate replaces.
 * Without managed pairs the configured order stands as it is.
 */
export function rankPairs(configured: readonly LoadedPair[], managed: readonly LoadedPair[]): LoadedPair[] {
  if (managed.length === 0) return [...configured];
  return [...configured.filter((p) => !p.selfSigned), ...managed, ...configured.filter((p) => p.selfSigned)];
}

/** SAN dNSNames, else the subject CN (RFC 6125 §6.4.4), lower-cased and de-duplicated. */
function leafNames(leaf: X509Certificate): string[] {
  const dns = parseSubjectAltName(leaf.subjectAltName).filter((n) => n.type === "DNS").map((n) => n.value);
  let names = dns;
  if (names.length === 0) {
    const cn = leaf.subject.split("\n").find((line) => line.startsWith("CN="));
    names = cn === undefined ? [] : [cn.slice(3)];
  }
  return [...new Set(names.map(normalizeName).filter((n) => n !== ""))];
}

export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw new Error(`${path}: cannot read (${errorCode(err)})`);
  }
}

function errorCode(err: unknown): string {
  if (err instanceof Error && "code" in err && typeof err.code === "string") return err.code;
  return "invalid";
}

export function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ");
}
