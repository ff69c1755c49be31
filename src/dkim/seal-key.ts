/**
 * The key that ARC sets are sealed with (RFC 8617 §5.1): the RSA-2048 key of the host name's
 * closest hosted domain with active keys (host mx.example.org → example.org), the same choice the
 * bounces' DKIM signatures make (outgoing.ts). Only RSA: ARC seals with rsa-sha256 (RFC 8617
 * §4.1.3); Ed25519 (RFC 8463) is defined for DKIM, not yet for ARC, and validators do not take it
 * there — so the domain's Ed25519 key of the same generation is left out.
 */
import type { Kysely } from "kysely";
import type { Database } from "../store/index.ts";
import { signingKeys } from "./outgoing.ts";

interface SealingKey {
  /** d= of the ARC-Message-Signature and the ARC-Seal. */
  domain: string;
  selector: string;
  /** PKCS #8 PEM: handed to mailauth only, never logged. */
  privateKey: string;
}

/** The key to seal with on host `hostname`, or null when no hosted parent of it has an active RSA key. */
export async function sealingKey(db: Kysely<Database>, hostname: string): Promise<SealingKey | null> {
  const signing = await signingKeys(db, hostname.toLowerCase().replace(/\.$/, ""));
  const rsa = signing?.keys.find((k) => k.algorithm === "rsa");
  if (signing === null || rsa === undefined) return null;
  return { domain: signing.domain, selector: rsa.selector, privateKey: rsa.privateKey };
}
