/**
 * The Resolver outbound mail uses, over node:dns/promises (c-ares): MX (RFC 5321 §5.1, RFC 7505),
 * A/AAAA and TXT lookups, with failures as typed DnsErrors; and SRV and CNAME for the check of a
 * domain's published records (`sealpost domain dns`). Tests point it at a DNS server on loopback
 * (test/dns-server.ts); production uses the system's servers or configured ones.
 */
import { Resolver as NodeResolver } from "node:dns/promises";
import { DnsError, toDnsError } from "./errors.ts";

interface MxRecord {
  /** The exchange host without a trailing dot; "" for a null MX (RFC 7505: the root, "."). */
  exchange: string;
  priority: number;
}

export interface Resolver {
  /** MX records; [] when the name exists but has no MX; throws DnsError ("not-found" for NXDOMAIN). */
  mx(domain: string): Promise<MxRecord[]>;
  /**
   * A and AAAA addresses (IPv4 first); [] when the name does not exist or has neither. Throws a
   * temporary DnsError only when no address was found and one of the two lookups failed.
   */
  addresses(host: string): Promise<string[]>;
  /** TXT records, each joined from its strings (RFC 7208 §3.3 style); [] when none or no such name. */
  txt(name: string): Promise<string[]>;
}

/** An SRV record (RFC 2782); `target` without a trailing dot, "" for "." (the service is not offered). */
interface SrvRecord {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

/**
 * A Resolver that also reads SRV and CNAME records: what `sealpost domain dns` compares with the
 * records it prints. Apart from `Resolver`, so that outbound's resolvers (and their test stand-ins)
 * need no lookups they never make.
 */
export interface ZoneResolver extends Resolver {
  /** SRV records; [] when none or no such name. */
  srv(name: string): Promise<SrvRecord[]>;
  /** The name's CNAME target, without a trailing dot; null when it has none or does not exist. */
  cname(name: string): Promise<string | null>;
}

export interface ResolverOptions {
  /** "127.0.0.1", "127.0.0.1:5353", "[::1]:5353"; default (also for []): the system's servers. */
  servers?: readonly string[];
  /** Initial per-try timeout in milliseconds (c-ares backs off on later tries). Default 5000. */
  timeoutMs?: number;
  /** Tries per server. Default 3. */
  tries?: number;
}

/** node:dns's resolver (c-ares) with these servers, timeout and tries: the one both kinds of lookup here start from. */
export function nodeResolver(opts: ResolverOptions): NodeResolver {
  const r = new NodeResolver({ timeout: opts.timeoutMs ?? 5000, tries: opts.tries ?? 3 });
  if (opts.servers !== undefined && opts.servers.length > 0) r.setServers([...opts.servers]);
  return r;
}

/** A Resolver over node:dns with its own servers, timeout and tries. */
export function createResolver(opts: ResolverOptions = {}): ZoneResolver {
  return new NodeDnsResolver(nodeResolver(opts));
}

class NodeDnsResolver implements ZoneResolver {
  readonly #r: NodeResolver;

  constructor(r: NodeResolver) {
    this.#r = r;
  }

  async mx(domain: string): Promise<MxRecord[]> {
    try {
      const records = await this.#r.resolveMx(domain);
      return records.map((m) => ({ exchange: stripDot(m.exchange), priority: m.priority }));
    } catch (err) {
      const e = toDnsError(err, domain, "MX");
      // NODATA: the name exists without MX records (the implicit MX case, RFC 5321 §5.1).
      if (e.code === "ENODATA") return [];
      throw e;
    }
  }

  async addresses(host: string): Promise<string[]> {
    const [v4, v6] = await Promise.all([this.#family(host, "A"), this.#family(host, "AAAA")]);
    const found = [...(Array.isArray(v4) ? v4 : []), ...(Array.isArray(v6) ? v6 : [])];
    if (found.length > 0) return found;
    if (v4 instanceof DnsError) throw v4;
    if (v6 instanceof DnsError) throw v6;
    return [];
  }

  async txt(name: string): Promise<string[]> {
    try {
      const records = await this.#r.resolveTxt(name);
      return records.map((chunks) => chunks.join(""));
    } catch (err) {
      const e = toDnsError(err, name, "TXT");
      if (e.kind === "not-found") return [];
      throw e;
    }
  }

  async srv(name: string): Promise<SrvRecord[]> {
    try {
      const records = await this.#r.resolveSrv(name);
      return records.map((r) => ({ priority: r.priority, weight: r.weight, port: r.port, target: stripDot(r.name) }));
    } catch (err) {
      const e = toDnsError(err, name, "SRV");
      if (e.kind === "not-found") return [];
      throw e;
    }
  }

  async cname(name: string): Promise<string | null> {
    try {
      const [target] = await this.#r.resolveCname(name);
      return target === undefined ? null : stripDot(target);
    } catch (err) {
      const e = toDnsError(err, name, "CNAME");
      if (e.kind === "not-found") return null;
      throw e;
    }
  }

  /** The addresses of one family; [] for NXDOMAIN/NODATA; a temporary DnsError is returned, not thrown. */
  async #family(host: string, rrtype: "A" | "AAAA"): Promise<string[] | DnsError> {
    try {
      return rrtype === "A" ? await this.#r.resolve4(host) : await this.#r.resolve6(host);
    } catch (err) {
      const e = toDnsError(err, host, rrtype);
      return e.kind === "not-found" ? [] : e;
    }
  }
}

function stripDot(name: string): string {
  return name.endsWith(".") ? name.slice(0, -1) : name;
}
