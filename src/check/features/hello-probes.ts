/**
 * The features only a hand-built hello can test, because no TLS library offers them any more
 * (compression, heartbeat) or lets a caller choose them (the fallback SCSV at a given version,
 * only weak curves): each probe one connection through the shared pool, read only as far as needed.
 *
 * - Compression and heartbeat, one hello: it offers DEFLATE (RFC 3749 §2) before null, and the
 *   heartbeat extension (RFC 6520 §2). The ServerHello's compression_method says whether the
 *   server compresses (CRIME, CVE-2012-4929). A server that echoes the heartbeat extension gets
 *   a heartbeat request whose payload_length (16384) exceeds what it carries (0 bytes), followed by
 *   a close_notify alert. RFC 6520 §4 says to discard such a request silently; a server that
 *   answers it sends its own memory (Heartbleed, CVE-2014-0160). The close_notify ends the wait:
 *   the server handles records in order, so its close comes after any heartbeat response.
 * - Fallback: once the scan's version probes are done, testssl.sh's test: a hello offering only
 *   the next version below the highest one under TLS 1.3, plus TLS_FALLBACK_SCSV (RFC 7507 §2) —
 *   no probe when there is no such version (most servers today).
 * - DH group: a hello with DHE suites only; the ServerKeyExchange's dh_p (RFC 5246 §7.4.3).
 * - Weak curves: hellos with ECDHE suites and only curves of 224 bits or less in
 *   supported_groups (RFC 8422 §5.1.1); each curve the server picks is removed and the rest
 *   offered again, until it refuses.
 */
import {
  buildClientHello,
  COMPRESSION_DEFLATE,
  describeSuite,
  HEARTBEAT_PEER_ALLOWED_TO_SEND,
  parseKeyExchangeParams,
  parseRecord,
  PROBE_EXT,
  SERVER_HANDSHAKE_TYPE,
  TLS_FALLBACK_SCSV,
  type ClientHelloOptions,
  type KeyExchangeParams,
  type ServerHello,
  type TlsVersionName,
} from "../../tls/index.ts";
import {
  candidateSuites,
  CheckError,
  openProbe,
  probeHello,
  sendAndReadFlight,
  type Flight,
  type FlightOutcome,
  type HelloOutcome,
  type ProbeConnection,
  type ProbePool,
} from "../probe/index.ts";
import type { CheckOptions, Target, VersionResult } from "../types.ts";

/** Versions a probe for a pre-TLS 1.3 feature offers: the server answers with its highest. */
const BELOW_13: TlsVersionName[] = ["TLSv1", "TLSv1.1", "TLSv1.2"];

const BELOW_13_DOWNWARDS = ["TLSv1.2", "TLSv1.1", "TLSv1", "SSLv3"] as const;

/**
 * testssl.sh's fallback test: a client that fails at `high`, the highest version under TLS 1.3
 * offered, retries with `low`, the next one offered below it (null: nothing to fall back to).
 */
export function fallbackVersions(protocols: readonly VersionResult[]): { high: TlsVersionName | null; low: TlsVersionName | null } {
  const below = BELOW_13_DOWNWARDS.filter((v) => protocols.some((p) => p.version === v && p.offered));
  return { high: below[0] ?? null, low: below[1] ?? null };
}

export interface FallbackProbe {
  version: TlsVersionName;
  outcome: HelloOutcome;
}

/** Curves of 224 bits or less (RFC 8422 §5.1.1, RFC 4492 §5.1.1 codes), the ones testssl.sh rates. */
export const WEAK_CURVES: ReadonlyMap<number, { name: string; bits: number }> = new Map([
  [1, { name: "sect163k1", bits: 163 }],
  [2, { name: "sect163r1", bits: 163 }],
  [3, { name: "sect163r2", bits: 163 }],
  [4, { name: "sect193r1", bits: 193 }],
  [5, { name: "sect193r2", bits: 193 }],
  [15, { name: "secp160k1", bits: 160 }],
  [16, { name: "secp160r1", bits: 160 }],
  [17, { name: "secp160r2", bits: 160 }],
  [18, { name: "secp192k1", bits: 192 }],
  [19, { name: "secp192r1", bits: 192 }],
  [20, { name: "secp224k1", bits: 224 }],
  [21, { name: "secp224r1", bits: 224 }],
]);

interface HelloProbeContext {
  target: Target;
  opts: CheckOptions;
  pool: ProbePool;
}

function hello(ctx: HelloProbeContext, over: Partial<ClientHelloOptions>): Buffer {
  return buildClientHello({ versions: BELOW_13, cipherSuites: candidateSuites("TLSv1.2"), sni: ctx.target.servername ?? undefined, ...over });
}

/** Once `versions` are known: the fallback hello with TLS_FALLBACK_SCSV, or null when there is nothing to fall back to. */
export async function probeFallback(ctx: HelloProbeContext, versions: Promise<readonly VersionResult[]>): Promise<FallbackProbe | null> {
  const { low } = fallbackVersions(await versions);
  if (low === null) return null;
  const offer = hello(ctx, { versions: [low], cipherSuites: [...candidateSuites(low), TLS_FALLBACK_SCSV] });
  return { version: low, outcome: await ctx.pool.run("fallback SCSV", () => probeHello(ctx.target, ctx.opts, offer, "tls")) };
}

export interface HeartbeatProbe {
  /** What answered the hello (with DEFLATE and the heartbeat extension). */
  outcome: FlightOutcome | CheckError;
  /** The ServerHello echoed the heartbeat extension. */
  extension: boolean | null;
  heartbleed: "vulnerable" | "not-vulnerable" | "not-tested";
  /** What answered the malformed heartbeat request, in words. */
  evidence: string;
}

/** RFC 6520 §4: a HeartbeatRequest (type 1) claiming 16384 payload bytes and carrying none. */
function heartbleedRequest(version: number): Buffer {
  return Buffer.from([24, version >> 8, version & 0xff, 0x00, 0x03, 0x01, 0x40, 0x00]);
}

/** A warning close_notify alert (RFC 5246 §7.2.1). */
function closeNotify(version: number): Buffer {
  return Buffer.from([21, version >> 8, version & 0xff, 0x00, 0x02, 0x01, 0x00]);
}

/** The compression and heartbeat hello; Heartbleed's request when the heartbeat extension is echoed. */
export function probeCompressionAndHeartbeat(ctx: HelloProbeContext): Promise<HeartbeatProbe> {
  return ctx.pool.run("compression and heartbeat", async () => {
    const c = await openProbe(ctx.target, ctx.opts);
    if (c instanceof CheckError) return { outcome: c, extension: null, heartbleed: "not-tested", evidence: "" };
    try {
      const data = Buffer.from([HEARTBEAT_PEER_ALLOWED_TO_SEND]);
      const offer = hello(ctx, { compressionMethods: [COMPRESSION_DEFLATE, 0], extraExtensions: [{ type: PROBE_EXT.heartbeat, data }] });
      const outcome = await sendAndReadFlight(c, ctx.opts, offer, () => true);
      if (outcome.kind !== "flight") return { outcome, extension: null, heartbleed: "not-tested", evidence: "" };
      const sh = outcome.flight.hello;
      if (!sh.extensions.includes(PROBE_EXT.heartbeat)) return { outcome, extension: false, heartbleed: "not-vulnerable", evidence: "no heartbeat extension" };
      c.reader.consume(outcome.flight.consumed);
      c.socket.write(Buffer.concat([heartbleedRequest(sh.version), closeNotify(sh.version)]));
      return { outcome, extension: true, ...(await readHeartbeatAnswer(c.reader, ctx.opts)) };
    } finally {
      c.close();
    }
  });
}

/** Reads past the rest of the handshake flight to a heartbeat response, an alert or the close. */
async function readHeartbeatAnswer(reader: ProbeConnection["reader"], opts: CheckOptions): Promise<Pick<HeartbeatProbe, "heartbleed" | "evidence">> {
  const r = await reader.read((buf) => {
    let off = 0;
    for (;;) {
      const rec = parseRecord(buf.subarray(off));
      if (rec.kind === "incomplete") return undefined;
      if (rec.kind === "invalid") return { heartbleed: "not-tested" as const, evidence: rec.reason };
      off += rec.consumed;
      // RFC 6520 §4: a correct server discards the request; any response carries memory.
      if (rec.type === 24) return { heartbleed: "vulnerable" as const, evidence: `a heartbeat response of ${rec.payload.length} bytes to a request carrying 0` };
      if (rec.type === 21) return { heartbleed: "not-vulnerable" as const, evidence: "the request was ignored (the server answered only our close_notify)" };
    }
  }, opts.timeoutMs, opts.signal);
  if (r.kind === "value") return r.value;
  if (r.kind === "closed") return { heartbleed: "not-vulnerable", evidence: "the request was ignored (the server closed the connection)" };
  return { heartbleed: "not-tested", evidence: r.kind === "timeout" ? `no answer within ${opts.timeoutMs} ms` : "too much data" };
}

export interface KeyExchangeProbe {
  outcome: FlightOutcome | CheckError;
  /** The parameters of the ServerKeyExchange, when the server chose a suite of the probe's kind. */
  params: KeyExchangeParams | null;
  hello: ServerHello | null;
}

function isKeyExchange(f: Flight): boolean {
  return f.messages.some((m) => m.type === SERVER_HANDSHAKE_TYPE.serverKeyExchange);
}

async function keyExchangeProbe(ctx: HelloProbeContext, what: string, kx: "DHE" | "ECDHE", over: Partial<ClientHelloOptions>): Promise<KeyExchangeProbe> {
  return ctx.pool.run(what, async () => {
    const c = await openProbe(ctx.target, ctx.opts);
    if (c instanceof CheckError) return { outcome: c, params: null, hello: null };
    try {
      const outcome = await sendAndReadFlight(c, ctx.opts, hello(ctx, over), isKeyExchange);
      if (outcome.kind !== "flight") return { outcome, params: null, hello: null };
      const sh = outcome.flight.hello;
      const ske = outcome.flight.messages.find((m) => m.type === SERVER_HANDSHAKE_TYPE.serverKeyExchange);
      if (ske === undefined || describeSuite(sh.cipherSuite)?.kx !== kx) return { outcome, params: null, hello: sh };
      try {
        return { outcome, params: parseKeyExchangeParams(ske.body, kx), hello: sh };
      } catch {
        return { outcome: { kind: "invalid", reason: "malformed ServerKeyExchange" }, params: null, hello: sh };
      }
    } finally {
      c.close();
    }
  });
}

const suitesOf = (kx: "DHE" | "ECDHE"): number[] => candidateSuites("TLSv1.2").filter((c) => describeSuite(c)?.kx === kx);

/** A hello with DHE suites only: the group of the ServerKeyExchange. */
export function probeDhGroup(ctx: HelloProbeContext): Promise<KeyExchangeProbe> {
  return keyExchangeProbe(ctx, "DH group", "DHE", { cipherSuites: suitesOf("DHE") });
}

export interface WeakCurvesProbe {
  /** Weak curves the server chose, in the order found. */
  accepted: number[];
  /** The probe that ended the search (a refusal, or a curve we did not offer). */
  last: KeyExchangeProbe;
}

/** ECDHE hellos offering only weak curves, each accepted one removed, until the server refuses. */
export async function probeWeakCurves(ctx: HelloProbeContext): Promise<WeakCurvesProbe> {
  const accepted: number[] = [];
  let remaining = [...WEAK_CURVES.keys()];
  for (;;) {
    const last = await keyExchangeProbe(ctx, "weak curves", "ECDHE", { cipherSuites: suitesOf("ECDHE"), groups: remaining });
    const curve = last.params?.kind === "ecdhe" ? last.params.namedCurve : null;
    if (curve === null || !remaining.includes(curve)) return { accepted, last };
    accepted.push(curve);
    remaining = remaining.filter((c) => c !== curve);
    if (remaining.length === 0) return { accepted, last };
  }
}
