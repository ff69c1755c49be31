/**
 * ARC sealing of relayed mail (RFC 8617 §5.1): a message the MX takes for a relay (gateway)
 * domain goes on to that domain's next hop, whose own checks see this host's address instead of
 * the sender's — SPF fails there, and a DKIM signature a footer or a refolded header broke fails
 * too. An ARC set carries what this host found to the receivers that trust it: the
 * ARC-Authentication-Results (this host's Authentication-Results value), an ARC-Message-Signature
 * over the message and an ARC-Seal over the chain, signed with the RSA key of the host name's
 * closest hosted domain (dkim's sealingKey). mailauth makes the set; which messages, which key,
 * which cv= and what happens when it cannot are decided here.
 *
 * The set is never a reason to refuse or lose a message: without a key, over a chain that must not
 * be added to, or when mailauth fails, the message goes on unsealed with one log line.
 */
import { Readable } from "node:stream";
import type { Kysely } from "kysely";
import { createSeal } from "mailauth/lib/arc/index.js";
import { sealingKey } from "../dkim/index.ts";
import type { Logger } from "../log/index.ts";
import type { Database } from "../store/index.ts";
import type { Recipient } from "./types.ts";

/** A recipient the message is relayed to: no account here, and not a hosted domain's TLS-RPT address. */
export const hasRelayRecipient = (recipients: readonly Recipient[]): boolean => recipients.some((r) => r.accountId === null && r.tlsReport !== true);

interface SealRequest {
  /** The message as it will be stored, this host's Authentication-Results field on top. */
  message: readonly Buffer[];
  /** This host's name: whose hosted parent domain seals. */
  hostname: string;
  /** The field's value (authserv-id and results), for the ARC-Authentication-Results. */
  authResults: string;
  /** The chain validation of RFC 8617 §5.2 this host made: none, pass or fail. */
  cv: string;
  /** The message's id and session, for the log line. */
  id: string;
  session: string;
}

/**
 * The ARC set to put on top of `req.message` (ARC-Seal, ARC-Message-Signature,
 * ARC-Authentication-Results, CRLF-terminated), or null when the message goes unsealed.
 */
export async function arcSet(db: Kysely<Database>, log: Logger, req: SealRequest): Promise<Buffer | null> {
  const at = { session: req.session, id: req.id };
  try {
    const key = await sealingKey(db, req.hostname);
    if (key === null) {
      log.info("relayed message not ARC-sealed: no hosted parent domain of the host name has an active RSA DKIM key", { ...at, hostname: req.hostname });
      return null;
    }
    // cv= is this host's chain validation (§5.2): "none" without a chain, "pass", or "fail" — a
    // failed chain gets a set whose seal signs only itself (§5.1.2), which mailauth does for cv=fail.
    // A chain whose newest seal already says cv=fail takes no further set (§5.1 step 2), nor does
    // one with 50 sets (§4.2.1): mailauth refuses both, and says so in its errors. Strict, as the
    // checks are: a cv= that does not fit the instance (none only for i=1) is refused, not sealed.
    const { headers, errors } = await createSeal(Readable.from(req.message), {
      seal: { signingDomain: key.domain, selector: key.selector, privateKey: key.privateKey, algorithm: "rsa-sha256", authResults: req.authResults, cv: req.cv, signTime: new Date(), strict: true },
    });
    if (headers.length === 0) {
      const why = errors.map((e) => `${e.err.code ?? "error"}: ${e.err.message}`).join("; ") || "no ARC set made";
      const expected = errors.some((e) => e.err.code === "EARCCHAINFAILED" || e.err.code === "EINVALIDINSTANCE");
      if (expected) log.info("relayed message not ARC-sealed: its chain takes no further set (RFC 8617 §5.1)", { ...at, reason: why });
      else log.warn("relayed message not ARC-sealed; sent on without a seal", undefined, { ...at, domain: key.domain, reason: why });
      return null;
    }
    return Buffer.from(headers.join("\r\n") + "\r\n", "utf8");
  } catch (e) {
    log.warn("relayed message not ARC-sealed; sent on without a seal", e, at);
    return null;
  }
}
