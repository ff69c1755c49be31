/**
 * Which outgoing messages are signed, and as whom. Mail is signed once, as it goes into the outbound
 * queue — as Postfix with OpenDKIM and mox sign at submission — so a message to three domains, or
 * one retried ten times, costs one signing, and the blob in the queue is the message as it leaves.
 * Every queued message passes here: submission and the webmail (`submission:ADDRESS`), bounces
 * (`bounce:ID`), TLS reports (`tls-report:DOMAIN`); the queue runner signs only what was queued
 * before signing moved here (queue.sign_on_delivery, migration 0028).
 *
 * - Relayed mail (`relay`: the MX took it for a gateway domain) is never signed: it is someone
 *   else's mail passing through, and its own signatures must stay intact.
 * - The signing domain (d=) is the RFC 5322 From's domain when it is hosted with active keys, else
 *   its closest hosted parent that has them: DMARC's relaxed alignment (RFC 7489 §3.1.1) counts a
 *   signature of the organizational domain, so a bounce from MAILER-DAEMON@mx.example.org is
 *   signed as example.org. No such domain: the message goes unsigned.
 * - A message whose From cannot be read (none, several From fields — RFC 5322 §3.6 allows one —
 *   or From addresses in different domains) or that cannot be signed goes out unsigned, with one
 *   log line saying why: never refused or stuck for it.
 */
import { domainToASCII } from "node:url";
import type { Kysely } from "kysely";
import type { Logger } from "../log/index.ts";
import { fieldAt, fieldName, messageHead, parseAddressList, scanHeader } from "../mime/index.ts";
import type { Database } from "../store/index.ts";
import { ALGORITHMS, type DkimAlgorithm } from "./keys.ts";
import { MAX_HEADER, signatures, type SigningKey } from "./sign.ts";

interface SignOutcome {
  /** The DKIM-Signature fields to put on top of the message, or null (not signed). */
  signature: Buffer | null;
  /** The d= it was signed as, or null. */
  domain: string | null;
  /** Why a message that should have been signed was not (for the log), or null. */
  problem: string | null;
}

/** The From domain (A-labels, lower case), or a problem. */
export function fromDomain(message: Buffer): { domain: string } | { problem: string } {
  const values: string[] = [];
  scanHeader(message, 0, message.length, (start, colon, end) => {
    if (fieldName(message, start, colon) === "from") values.push(fieldAt(message, start, colon, end).value);
  });
  if (values.length === 0) return { problem: "no From field" };
  if (values.length > 1) return { problem: `${values.length} From fields` };
  const hosts = new Set(
    parseAddressList(values[0] ?? "")
      .filter((a) => a.mailbox !== null && a.host !== null)
      .map((a) => domainToASCII(a.host ?? "").toLowerCase()),
  );
  const [host, ...others] = hosts;
  if (host === undefined || host === "") return { problem: "no address in the From field" };
  if (others.length > 0) return { problem: "From addresses in several domains" };
  return { domain: host };
}

/** `domain` and each of its parents, longest first: a.b.example.org, b.example.org, example.org, org. */
function withParents(domain: string): string[] {
  const labels = domain.split(".");
  return labels.map((_, i) => labels.slice(i).join("."));
}

/**
 * The closest hosted domain with active keys for `domain`, and those keys; null when there is none.
 * Also the ARC sealer's (seal-key.ts): the host name's closest hosted parent.
 */
export async function signingKeys(db: Kysely<Database>, domain: string): Promise<{ domain: string; keys: SigningKey[] } | null> {
  const candidates = withParents(domain);
  const rows = await db
    .selectFrom("dkim_keys")
    .select(["domain", "selector", "algorithm", "private_key"])
    .where("domain", "in", candidates)
    .where("state", "=", "active")
    .where("private_key", "is not", null)
    .where("domain", "in", db.selectFrom("domains").select("name"))
    .execute();
  const closest = candidates.find((c) => rows.some((r) => r.domain === c));
  if (closest === undefined) return null;
  const keys = rows
    .filter((r) => r.domain === closest)
    .map((r) => ({ selector: r.selector, algorithm: r.algorithm as DkimAlgorithm, privateKey: r.private_key ?? "" }))
    .sort((a, b) => ALGORITHMS.indexOf(a.algorithm) - ALGORITHMS.indexOf(b.algorithm));
  return { domain: closest, keys };
}

/** The message in `parts` signed when it comes from a hosted domain with keys (see above). */
export async function signOutgoing(db: Kysely<Database>, parts: readonly Buffer[], source: string): Promise<SignOutcome> {
  const unsigned = (problem: string | null): SignOutcome => ({ signature: null, domain: null, problem });
  if (source === "relay") return unsigned(null);
  const from = fromDomain(messageHead(parts, MAX_HEADER));
  if ("problem" in from) return unsigned(from.problem);
  const signing = await signingKeys(db, from.domain);
  if (signing === null) return unsigned(null);
  try {
    return { signature: await signatures(parts, signing.domain, signing.keys), domain: signing.domain, problem: null };
  } catch (e) {
    return unsigned(`as ${signing.domain}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * The message queued as `id`, as it goes into the queue: its parts with the DKIM-Signature fields
 * on top when it is signed; as it came, with one warning, when it should have been and could not.
 */
export async function signForQueue(db: Kysely<Database>, log: Logger | undefined, m: { id: string; parts: readonly Buffer[]; source: string }): Promise<Buffer[]> {
  const s = await signOutgoing(db, m.parts, m.source);
  if (s.problem !== null) log?.warn(`message ${m.id} queued without a DKIM signature: ${s.problem}`);
  return s.signature === null ? [...m.parts] : [s.signature, ...m.parts];
}
