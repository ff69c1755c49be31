/**
 * Sealpost's metrics: one prom-client Registry per server (never the global one), the metric
 * definitions, and the observers the server wires into the transport, the listeners, the
 * authenticator, the SMTP roles and the queue runner. Gauges that are cheap to compute (open
 * sessions, queue depth and age, certificate days left) are read from their sources when scraped.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import {
  DELIVERY_OUTCOMES,
  LOGIN_RESULTS,
  PROTOCOLS,
  SESSION_TLS_VERSIONS,
  TLS_LEVELS,
  offeredVersionLabel,
  oneOf,
  protocolLabel,
  tlsVersionLabel,
} from "./labels.ts";

/** What the metrics read when scraped; each is called once per scrape. */
export interface MetricSources {
  /** Open sessions per listener name ("mx", "imaps", …). */
  openSessions(): Iterable<[listener: string, sessions: number]>;
  /** The outbound queue: messages in it, and when the oldest came (ms since the epoch; null: empty). */
  queue(): Promise<{ messages: number; oldestCreatedAt: number | null }>;
  /** The served certificates: their first name, key type, and days left. */
  certificates(): Array<{ name: string; keyType: string; daysLeft: number }>;
}

/** The part of a TLS event the metrics read (src/tls's TlsEvent fits). */
interface TlsOutcome {
  protocol: string;
  outcome: "ok" | "refused" | "failed";
  version: string | null;
  hello: { maxVersion: string | undefined } | null;
}

export class Metrics {
  readonly registry = new Registry();
  readonly #sessions: Counter<"protocol" | "tls_version">;
  readonly #handshakes: Counter<"protocol" | "tls_version">;
  readonly #refused: Counter<"protocol" | "offered_version">;
  readonly #failed: Counter<"protocol">;
  readonly #logins: Counter<"protocol" | "result">;
  readonly #messagesIn: Counter<"protocol">;
  readonly #messagesOut: Counter;
  readonly #deliveries: Counter<"outcome" | "tls_level" | "tls_version">;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    // Memory, CPU, event-loop lag (nodejs_eventloop_lag_seconds and its percentiles), GC, handles:
    // prom-client's standard names, so the usual Node.js dashboards work unchanged.
    collectDefaultMetrics({ register: this.registry });
    this.#sessions = new Counter({
      name: "sealpost_sessions_total",
      help: "Client sessions ended, by protocol and the TLS version they ended on (none: never started TLS).",
      labelNames: ["protocol", "tls_version"],
      registers,
    });
    this.#handshakes = new Counter({
      name: "sealpost_tls_handshakes_total",
      help: "Completed TLS handshakes (implicit TLS and STARTTLS), by protocol and negotiated version.",
      labelNames: ["protocol", "tls_version"],
      registers,
    });
    this.#refused = new Counter({
      name: "sealpost_tls_refused_total",
      help: "TLS handshakes refused by policy, by protocol and the highest version the ClientHello offered.",
      labelNames: ["protocol", "offered_version"],
      registers,
    });
    this.#failed = new Counter({
      name: "sealpost_tls_failed_total",
      help: "TLS handshakes that failed otherwise (timeout, not TLS, no shared cipher, client gone), by protocol.",
      labelNames: ["protocol"],
      registers,
    });
    this.#logins = new Counter({
      name: "sealpost_logins_total",
      help: "Sign-in attempts, by protocol and result (ok, failed, throttled: past a rate limit, refused: by policy before a check).",
      labelNames: ["protocol", "result"],
      registers,
    });
    this.#messagesIn = new Counter({
      name: "sealpost_messages_in_total",
      help: "Messages accepted (committed before the 250 to DATA), by protocol (smtp: the MX, submission).",
      labelNames: ["protocol"],
      registers,
    });
    this.#messagesOut = new Counter({
      name: "sealpost_messages_out_total",
      help: "Messages handed to a remote server: one per message and destination domain that took at least one recipient.",
      registers,
    });
    this.#deliveries = new Counter({
      name: "sealpost_delivery_attempts_total",
      help: "Outbound delivery attempts (one per connection), by outcome, the destination's TLS level and the TLS version used (none: plaintext).",
      labelNames: ["outcome", "tls_level", "tls_version"],
      registers,
    });
    // Series that exist from the start, so a rate() over them is defined before the first event.
    for (const protocol of PROTOCOLS) {
      for (const tls of SESSION_TLS_VERSIONS) this.#sessions.labels(protocol, tls).inc(0);
      if (protocol !== "smtp") for (const result of LOGIN_RESULTS) this.#logins.labels(protocol, result).inc(0);
    }
    this.#messagesIn.labels("smtp").inc(0);
    this.#messagesIn.labels("submission").inc(0);

    new Gauge({
      name: "sealpost_sessions_open",
      help: "Client sessions open now, by listener.",
      labelNames: ["listener"],
      registers,
      collect() {
        this.reset();
        for (const [listener, n] of sources.openSessions()) this.labels(listener).set(n);
      },
    });
    // Both queue gauges come from one query: a scrape collects its metrics concurrently, so the
    // second gauge shares the first one's query while it is in flight.
    let inFlight: ReturnType<MetricSources["queue"]> | null = null;
    const queue = (): ReturnType<MetricSources["queue"]> => {
      inFlight ??= sources.queue().finally(() => (inFlight = null));
      return inFlight;
    };
    new Gauge({
      name: "sealpost_queue_messages",
      help: "Messages in the outbound queue.",
      registers,
      async collect() {
        this.set((await queue()).messages);
      },
    });
    new Gauge({
      name: "sealpost_queue_oldest_age_seconds",
      help: "Age of the oldest message in the outbound queue (0: empty).",
      registers,
      async collect() {
        const oldest = (await queue()).oldestCreatedAt;
        this.set(oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
      },
    });
    new Gauge({
      name: "sealpost_certificate_days_left",
      help: "Days until each served certificate expires (negative: expired), by its first name and key type.",
      labelNames: ["name", "key_type"],
      registers,
      collect() {
        this.reset();
        const soonest = new Map<string, { name: string; keyType: string; daysLeft: number }>();
        for (const c of sources.certificates()) {
          const key = `${c.name}\n${c.keyType}`;
          const seen = soonest.get(key);
          if (seen === undefined || c.daysLeft < seen.daysLeft) soonest.set(key, c);
        }
        for (const c of soonest.values()) this.labels(c.name, c.keyType).set(c.daysLeft);
      },
    });
  }

  /** A TLS handshake's outcome (wired beside the audit's `tlsEvent`). */
  tlsEvent(ev: TlsOutcome): void {
    const protocol = protocolLabel(ev.protocol);
    if (ev.outcome === "ok") this.#handshakes.labels(protocol, tlsVersionLabel(ev.version)).inc();
    else if (ev.outcome === "refused") this.#refused.labels(protocol, offeredVersionLabel(ev.hello?.maxVersion)).inc();
    else this.#failed.labels(protocol).inc();
  }

  /** A session ended (net's SessionObserver). */
  sessionEnded(protocol: string, tlsVersion: string | null): void {
    this.#sessions.labels(protocolLabel(protocol), tlsVersionLabel(tlsVersion)).inc();
  }

  /** A sign-in attempt was recorded (auth's LoginObserver). */
  login(protocol: string, result: string): void {
    this.#logins.labels(protocolLabel(protocol), oneOf<string>(LOGIN_RESULTS, result, "other")).inc();
  }

  /** A message was accepted by the MX or submission. */
  messageIn(protocol: string): void {
    this.#messagesIn.labels(protocolLabel(protocol)).inc();
  }

  /** An outbound attempt was committed (outbound's DeliveryObserver). */
  attempted(outcome: string, level: string, tlsVersion: string | null): void {
    this.#deliveries.labels(oneOf<string>(DELIVERY_OUTCOMES, outcome, "other"), oneOf<string>(TLS_LEVELS, level, "other"), tlsVersionLabel(tlsVersion)).inc();
  }

  /** A message went out to a remote server. */
  sent(): void {
    this.#messagesOut.inc();
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
