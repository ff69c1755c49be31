/**
 * The outbound service as the server runs it: a resolver from `[dns]`, the MTA-STS cache (kept in
 * SQLite, so policies survive restarts as RFC 8461 §5.1 wants), the trust anchors of
 * `[delivery] ca_file`, the queue runner, and the watch that lets a DKIM rotation's keys sign once
 * their records are in DNS. `reload` (SIGHUP) rebuilds what the config shapes.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { Kysely } from "kysely";
import { ConfigError, type Config } from "../config/index.ts";
import { watchPendingKeys } from "../dkim/index.ts";
import { createResolver, type Resolver } from "../dns/index.ts";
import type { Logger } from "../log/index.ts";
import { MtaStsCache, type MtaStsPolicy, type PolicyStore } from "../mta-sts/index.ts";
import type { Database, Store } from "../store/index.ts";
import { QueueRunner, type DeliveryObserver } from "./runner.ts";

interface OutboundService {
  readonly runner: QueueRunner;
  reload(config: Config): void;
  stop(): Promise<void>;
}

interface Parts {
  resolver: Resolver;
  ca: string[];
  mtaSts: MtaStsCache;
}

export function startOutbound(store: Store, dataDir: string, initial: Config, log: Logger, observer?: DeliveryObserver, held?: () => boolean): OutboundService {
  let config = initial;
  const build = (c: Config): Parts => {
    const resolver = createResolver({ servers: c.dns.servers, timeoutMs: c.dns.timeout_ms });
    const ca = c.delivery.ca_file === "" ? [] : readCaFile(isAbsolute(c.delivery.ca_file) ? c.delivery.ca_file : join(dataDir, c.delivery.ca_file));
    return { resolver, ca, mtaSts: new MtaStsCache(sqlitePolicyStore(store.db), { resolver, port: c.delivery.mta_sts_port, ca }) };
  };
  let parts = build(config);
  const runner = new QueueRunner({ store, config: () => config, resolver: () => parts.resolver, mtaSts: () => parts.mtaSts, ca: () => parts.ca, log, observer, held });
  runner.start();
  // A DKIM rotation's new keys sign once their records are seen through the same resolver (src/dkim).
  const dkim = watchPendingKeys(store.db, () => parts.resolver, log);
  return {
    runner,
    reload(next) {
      parts = build(next);
      config = next;
    },
    stop: async () => {
      await dkim.stop();
      await runner.stop();
    },
  };
}

function readCaFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`delivery.ca_file: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
  const pems = splitPem(text);
  if (pems.length === 0) throw new ConfigError(`delivery.ca_file: no PEM certificate in ${path}`);
  return pems;
}

/** The PEM certificates in a bundle file. */
function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
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
