/**
 * The outbound service as the server runs it: a resolver from `[dns]`, the MTA-STS cache (kept in
 * SQLite, so policies survive restarts as RFC 8461 §5.1 wants), DANE's lookups through the
 * resolvers on this machine, the trust anchors of `[delivery] ca_file`, the queue runner, and the
 * watch that lets a DKIM rotation's keys sign once their records are in DNS. `reload` (SIGHUP)
 * rebuilds what the config shapes.
 */
import type { Kysely } from "kysely";
import type { Clock } from "../clock/index.ts";
import { nodeId } from "../cluster/index.ts";
import { readCaFile, type Config } from "../config/index.ts";
import { DaneLookup } from "../dane/index.ts";
import { watchPendingKeys } from "../dkim/index.ts";
import { checkPublished } from "../directory/index.ts";
import { createResolver, parseDnsServer, systemDnsServer, trustsAd, type DnsServerAddress, type ZoneResolver } from "../dns/index.ts";
import type { Logger } from "../log/index.ts";
import { MtaStsCache, type MtaStsPolicy, type PolicyStore } from "../mta-sts/index.ts";
import type { Database, Store } from "../store/index.ts";
import { QueueRunner, type DeliveryObserver } from "./runner.ts";
import { TlsReportSchedule } from "./tls-report-schedule.ts";
import { sendDayReports, type DayPass } from "./tls-reports.ts";

interface OutboundService {
  readonly runner: QueueRunner;
  reload(config: Config): void;
  stop(): Promise<void>;
}

interface Parts {
  resolver: ZoneResolver;
  ca: string[];
  mtaSts: MtaStsCache;
  dane: DaneLookup | null;
}

/** With `clock` (the server's calendar), the daily TLS reports (RFC 8460) go out too. */
export function startOutbound(store: Store, dataDir: string, initial: Config, log: Logger, observer?: DeliveryObserver, held?: () => boolean, clock?: Clock): OutboundService {
  let config = initial;
  const build = (c: Config): Parts => {
    const { resolver, ca } = networkParts(c, dataDir);
    return { resolver, ca, mtaSts: new MtaStsCache(sqlitePolicyStore(store.db), { resolver, port: c.delivery.mta_sts_port, ca }), dane: c.delivery.dane ? daneLookup(c, log) : null };
  };
  let parts = build(config);
  const owner = nodeId(dataDir);
  const runner = new QueueRunner({ store, config: () => config, resolver: () => parts.resolver, mtaSts: () => parts.mtaSts, dane: () => parts.dane, ca: () => parts.ca, log, owner, observer, held });
  runner.start();
  // A DKIM rotation's new keys sign once their records are seen through the same resolver (src/dkim).
  const dkim = watchPendingKeys(store.db, () => (records) => checkPublished(records, parts.resolver), log);
  const reports = clock === undefined ? null : new TlsReportSchedule({ store, config: () => config, parts: () => parts, clock, log, wake: () => runner.wake() });
  reports?.start();
  return {
    runner,
    reload(next) {
      parts = build(next);
      config = next;
    },
    async stop() {
      await reports?.stop();
      await dkim.stop();
      await runner.stop();
    },
  };
}

/** The resolver of `[dns]` and the trust anchors of `[delivery] ca_file`. */
function networkParts(c: Config, dataDir: string): { resolver: ZoneResolver; ca: string[] } {
  const resolver = createResolver({ servers: c.dns.servers, timeoutMs: c.dns.timeout_ms });
  return { resolver, ca: readCaFile("delivery.ca_file", dataDir, c.delivery.ca_file) };
}

/**
 * `sealpost tls-report send`: one finished day's reports now, from the CLI's process, with the
 * server's resolver and trust anchors; `again` sends those already sent once more.
 */
export function sendTlsReportsNow(store: Store, dataDir: string, config: Config, opts: { day: number; now: number; again: boolean; domains?: readonly string[] }): Promise<DayPass> {
  const ctx = { store, config, ...networkParts(config, dataDir), now: opts.now };
  return sendDayReports(ctx, opts.day, { again: opts.again, ...(opts.domains !== undefined ? { domains: opts.domains } : {}) });
}

/**
 * DANE's lookups through the resolvers on this machine (RFC 7672 §2.1.1: a validating resolver
 * over a trusted path); null, with a warning, when there is none to trust.
 */
function daneLookup(c: Config, log: Logger): DaneLookup | null {
  const given = c.dns.servers.length > 0 ? c.dns.servers.map(parseDnsServer) : [systemDnsServer()];
  const trusted = given.filter((s): s is DnsServerAddress => s !== null && trustsAd(s));
  if (trusted.length > 0) return new DaneLookup(trusted, c.dns.timeout_ms);
  log.warn("DANE is off: no DNS resolver on this machine to trust with DNSSEC validation; run a validating resolver (e.g. unbound on 127.0.0.1) and name it in [dns] servers, or set [delivery] dane = false");
  return null;
}

function sqlitePolicyStore(db: Kysely<Database>): PolicyStore {
  return {
    async load(domain) {
      const r = await db.selectFrom("mta_sts_policies").selectAll().where("domain", "=", domain).executeTakeFirst();
      if (r === undefined) return null;
      return { id: r.policy_id, mode: r.mode as MtaStsPolicy["mode"], mx: JSON.parse(r.mx) as string[], maxAge: r.max_age, fetchedAt: r.fetched_at };
    },
    async save(domain, p) {
      const row = { policy_id: p.id, mode: p.mode, mx: JSON.stringify(p.mx), max_age: p.maxAge, fetched_at: p.fetchedAt };
      await db.insertInto("mta_sts_policies").values({ domain, ...row }).onConflict((oc) => oc.column("domain").doUpdateSet(row)).execute();
    },
  };
}
