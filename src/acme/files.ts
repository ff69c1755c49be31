/**
 * ACME's files in the data directory, all under `acme/` (mode 0700): the account key
 * (`account.key`, 0600, made once), the issued certificates (`certs/NAME.pem`, the full chain,
 * and `certs/NAME.key`, 0600, each written atomically), and the orders' state (`state.json`).
 * Every process that serves TLS reads the certificates from here; only the primary writes.
 */
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { certificateNames, writeCertificateFiles, writeFileAtomic, type CertificateSpec, type PemPair } from "../tls/index.ts";
import type { Validity } from "./schedule.ts";

/** What a kept certificate says of itself. */
export interface IssuedCertificate extends Validity {
  names: string[];
  file: string;
}

export function acmeDir(dataDir: string): string {
  return join(dataDir, "acme");
}

function certsDir(dataDir: string): string {
  return join(acmeDir(dataDir), "certs");
}

export async function makeAcmeDir(dataDir: string): Promise<void> {
  await mkdir(acmeDir(dataDir), { recursive: true, mode: 0o700 });
}

/** The ids (first names) of the certificates kept here, each with its chain and key. */
async function keptIds(dataDir: string): Promise<string[]> {
  let files: string[];
  try {
    files = await readdir(certsDir(dataDir));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const keys = new Set(files.filter((f) => f.endsWith(".key")).map((f) => f.slice(0, -4)));
  return files.filter((f) => f.endsWith(".pem") && keys.has(f.slice(0, -4))).map((f) => f.slice(0, -4)).sort();
}

function specOf(dataDir: string, id: string): CertificateSpec {
  return { cert: join(certsDir(dataDir), `${id}.pem`), key: join(certsDir(dataDir), `${id}.key`) };
}

/** The certificates ACME has issued here, for the TLS store (none before the first). */
export async function managedCertificates(dataDir: string): Promise<CertificateSpec[]> {
  return (await keptIds(dataDir)).map((id) => specOf(dataDir, id));
}

/** The certificate kept for order `id`, or null when there is none (or it cannot be read). */
export async function issuedCertificate(dataDir: string, id: string): Promise<IssuedCertificate | null> {
  const file = specOf(dataDir, id).cert;
  try {
    const leaf = new X509Certificate(await readFile(file));
    return { names: certificateNames(leaf.raw).dns.map((n) => n.toLowerCase()), notBefore: leaf.validFromDate.getTime(), notAfter: leaf.validToDate.getTime(), file };
  } catch {
    return null;
  }
}

/** Puts a new certificate for order `id` in place (key first, then chain; each atomically). */
export async function keepCertificate(dataDir: string, id: string, pair: PemPair): Promise<void> {
  await makeAcmeDir(dataDir);
  await writeCertificateFiles(certsDir(dataDir), id, pair);
}

/** Removes the certificates of orders no longer wanted (a domain removed, the host renamed); returns their ids. */
export async function dropCertificates(dataDir: string, wanted: ReadonlySet<string>): Promise<string[]> {
  const gone = (await keptIds(dataDir)).filter((id) => !wanted.has(id));
  for (const id of gone) {
    const spec = specOf(dataDir, id);
    await rm(spec.cert, { force: true });
    await rm(spec.key, { force: true });
  }
  return gone;
}

/**
 * The ACME account's private key (RFC 8555 §6.2: it signs every request), made once: ECDSA P-256
 * (ES256), written with mode 0600. It never leaves this file but as signatures.
 */
export async function accountKey(dataDir: string): Promise<string> {
  const path = join(acmeDir(dataDir), "account.key");
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  await makeAcmeDir(dataDir);
  await writeFileAtomic(path, pem, 0o600);
  return pem;
}
