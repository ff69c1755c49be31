/**
 * The running server's half of a rotation: every WATCH_INTERVAL_MS (and once at start) it looks up
 * the records of every pending generation (with the caller's check: the configured resolver) and
 * lets a generation sign once all its records are there (records.ts activateIfPublished), so an
 * operator who publishes the records need not come back to activate them.
 */
import type { Kysely } from "kysely";
import type { Logger } from "../log/index.ts";
import type { Database } from "../store/index.ts";
import { domainsWithPendingKeys } from "./keys.ts";
import { activateIfPublished, type RecordCheck } from "./records.ts";

const WATCH_INTERVAL_MS = 10 * 60_000;
/** Who activated the keys, in the domain's trail. */
const WATCHER = "sealpost";

/** One look at every pending generation; the domains whose keys it activated. */
export async function activatePublished(db: Kysely<Database>, check: RecordCheck, log: Logger, now = Date.now()): Promise<string[]> {
  const activated: string[] = [];
  for (const domain of await domainsWithPendingKeys(db)) {
    try {
      const seen = await activateIfPublished(db, domain, check, WATCHER, now);
      if (seen.activated === null) continue;
      activated.push(domain);
      log.info(`dkim: ${domain}'s keys ${seen.activated} sign from now (their records are in DNS); the keys they replace are retired`);
    } catch (e) {
      // An operator's --activate between the lookup and the activation: nothing left to do.
      log.warn(`dkim: could not check ${domain}'s pending keys`, e);
    }
  }
  return activated;
}

/** Starts the watch; `stop` ends it and waits for a look in progress. */
export function watchPendingKeys(db: Kysely<Database>, check: () => RecordCheck, log: Logger): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const look = (): void => {
    running = activatePublished(db, check(), log).catch((e: unknown) => log.warn("dkim: the look at pending keys failed", e));
  };
  look();
  const timer = setInterval(() => {
    if (!stopped) look();
  }, WATCH_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
