import type { Resolver } from "../dns/index.ts";

/** A policy as fetched and cached (RFC 8461 §3.2), with the id of the TXT record it was fetched for. */
export interface MtaStsPolicy {
  /** The "id" of the _mta-sts TXT record at fetch time (§3.1). */
  id: string;
  mode: "enforce" | "testing" | "none";
  /** Allowed MX patterns, lower case, without trailing dots ("mail.example.com", "*.example.net"). */
  mx: string[];
  /** Seconds the policy may be cached (§3.2, at most 31557600). */
  maxAge: number;
  /** When it was fetched, in milliseconds since the epoch. */
  fetchedAt: number;
}

/** What the policy file says, before it is tied to a TXT id and a fetch time. */
export type ParsedPolicy = Omit<MtaStsPolicy, "id" | "fetchedAt">;

export interface PolicyLookup {
  /** The policy to apply, or null: deliver as though the domain had no MTA-STS (§3.3, §5). */
  policy: MtaStsPolicy | null;
  /** "none": no policy to apply; "fetched": fetched now; "cache": a stored, unexpired policy. */
  source: "none" | "fetched" | "cache";
  /** Why discovery or a refresh failed (also set when the cache stood in), else null. */
  error: string | null;
}

export interface FetchOptions {
  /** Resolves _mta-sts.DOMAIN (TXT) and mta-sts.DOMAIN (addresses). */
  resolver: Resolver;
  /** HTTPS port; default 443. */
  port?: number;
  /** Extra trust anchors (PEM), added to Node's roots. */
  ca?: readonly string[];
  /** Limit for the whole HTTPS fetch in milliseconds; default 30000 (§3.3 suggests a timeout). */
  timeoutMs?: number;
  /** Clock in milliseconds; default Date.now. */
  now?: () => number;
}

/** Where policies live between lookups (§5.1); the server keeps them in SQLite. */
export interface PolicyStore {
  load(domain: string): Promise<MtaStsPolicy | null>;
  save(domain: string, policy: MtaStsPolicy): Promise<void>;
}
