/**
 * What becomes of a checked message: accepted (the recipients' INBOX), quarantined (their Junk
 * folder, RFC 6154 \Junk) or rejected (the caller answers 550 5.7.1).
 *
 * - Mail that claims a domain hosted here — its From domain or its MAIL FROM domain — must show that
 *   it comes from that domain: an SPF pass for an aligned MAIL FROM, or a DKIM pass with an aligned
 *   signing domain. The domain's own mail goes out through submission, so anything else is a
 *   spoof and is refused, whatever DMARC record the domain publishes (or none).
 * - DMARC fail (RFC 7489 §6.6.2) with the policy that applies (p, or sp for a subdomain, §6.6.3;
 *   mailauth finds it): "reject" refuses, "quarantine" quarantines — each applied to pct% of the
 *   failing messages (§6.6.4, sampled as §6.3 suggests); one not sampled gets the next milder
 *   treatment (reject → quarantine, quarantine → delivered as usual). "none" delivers.
 * - A DNS failure never refuses on its own: §6.6.2 allows a temporary 4xx for a temperror, but
 *   every retry would meet the same resolvers, and a sender's queue gives up after days — so the
 *   message is taken with its temperror results in the header for the reader to see. For mail that
 *   claims a hosted domain that holds only for the hosted domain's own records (an aligned SPF or
 *   DKIM temperror): a spoofer can make its own DNS time out, not ours.
 */
import { randomInt } from "node:crypto";
import type { SenderAuthResults } from "./check.ts";

type Action = "accepted" | "quarantined" | "rejected";

export interface Verdict {
  action: Action;
  /** The rule that refused or quarantined the message; null when it was accepted as usual. */
  rule: "dmarc" | "hosted-domain" | null;
  /** The domain that rule was about. */
  domain: string | null;
}

const ACCEPTED: Verdict = { action: "accepted", rule: null, domain: null };

/**
 * Aligned with a hosted domain: the same domain, or one of them a subdomain of the other (relaxed
 * alignment, RFC 7489 §3.1, without the public suffix list: the domain is our own).
 */
function aligned(identity: string, domain: string): boolean {
  const a = identity.toLowerCase();
  return a === domain || a.endsWith(`.${domain}`) || domain.endsWith(`.${a}`);
}

/** SPF gave `result` for an aligned MAIL FROM, or a DKIM signature of an aligned domain did. */
function aligns(r: SenderAuthResults, domain: string, result: string): boolean {
  return (r.spf.result === result && aligned(r.spf.domain, domain)) || r.dkim.some((d) => d.result === result && aligned(d.domain, domain));
}

/**
 * The verdict on `r`. `hostedClaims`: the message's From and MAIL FROM domains that are hosted here
 * (lower-case). `sample` draws from 0 to 99 for pct (tests pass their own).
 */
export function decide(r: SenderAuthResults, hostedClaims: readonly string[], sample: () => number = () => randomInt(100)): Verdict {
  for (const domain of hostedClaims) {
    // Only the domain's own DNS failing excuses it: a sender cannot make ours time out, but could its own.
    if (!aligns(r, domain, "pass") && !aligns(r, domain, "temperror")) return { action: "rejected", rule: "hosted-domain", domain };
  }
  const d = r.dmarc;
  if (d === null || d.result !== "fail" || (d.policy !== "reject" && d.policy !== "quarantine")) return ACCEPTED;
  const applied = sample() < d.pct;
  if (d.policy === "reject" && applied) return { action: "rejected", rule: "dmarc", domain: d.fromDomain };
  if (d.policy === "reject" || applied) return { action: "quarantined", rule: "dmarc", domain: d.fromDomain };
  return ACCEPTED;
}

/** One word for a message's DKIM: pass when any signature verified, else the first one's result; none when unsigned. */
export function dkimSummary(dkim: SenderAuthResults["dkim"]): string {
  return dkim.some((d) => d.result === "pass") ? "pass" : (dkim[0]?.result ?? "none");
}
