/**
 * A queue runner for unit tests (src/outbound): on the store given, its DNS answering every MX
 * question with mx.example.net at 127.0.0.1, no MTA-STS, no trust anchors, looking for due mail
 * every 20 ms, and every log line it writes handed to `onLog`, parsed.
 */
import type { Config } from "../../src/config/index.ts";
import type { Resolver } from "../../src/dns/index.ts";
import { createLogger } from "../../src/log/index.ts";
import { MtaStsCache, memoryPolicyStore } from "../../src/mta-sts/index.ts";
import { QueueRunner, type DeliveryObserver } from "../../src/outbound/index.ts";
import type { DeliveryRequest, DeliveryResult } from "../../src/smtp-client/index.ts";
import type { Store } from "../../src/store/index.ts";

const TEST_RESOLVER: Resolver = {
  mx: async () => [{ exchange: "mx.example.net", priority: 10 }],
  addresses: async () => ["127.0.0.1"],
  txt: async () => [],
};

export interface LogRecord extends Record<string, unknown> {
  level: string;
  msg: string;
}

export function testRunner(
  store: Store,
  config: Config,
  opts: {
    /** The node it runs as (default "test-node"). */
    owner?: string;
    /** The delivery attempt; without it the runner's own SMTP client sends to `[delivery] remote_port`. */
    send?: (req: DeliveryRequest) => Promise<DeliveryResult>;
    onLog?: (r: LogRecord) => void;
    leaseMs?: number;
    observer?: DeliveryObserver;
    held?: () => boolean;
  } = {},
): QueueRunner {
  return new QueueRunner({
    store,
    config: () => config,
    resolver: () => TEST_RESOLVER,
    mtaSts: () => new MtaStsCache(memoryPolicyStore(), { resolver: TEST_RESOLVER }),
    ca: () => [],
    log: createLogger({ write: (line) => opts.onLog?.(JSON.parse(line) as LogRecord) }),
    owner: opts.owner ?? "test-node",
    pollMs: 20,
    ...(opts.leaseMs === undefined ? {} : { leaseMs: opts.leaseMs }),
    ...(opts.observer === undefined ? {} : { observer: opts.observer }),
    ...(opts.held === undefined ? {} : { held: opts.held }),
    ...(opts.send === undefined ? {} : { send: opts.send }),
  });
}
