/**
 * scanProtocols: which versions a server offers and which suites it accepts with each, in its
 * order when it has one — what sslscan and testssl.sh report, from hand-built hellos, each on
 * its own connection, `opts.concurrency` at a time.
 *
 * Per version (SSL 2.0 … TLS 1.3, all at once):
 * 1. Version probe: a hello offering only that version and every suite valid for it (SSL 2.0: a
 *    CLIENT-HELLO with every cipher spec). A ServerHello (TLS 1.3: or HelloRetryRequest) for that
 *    version = offered; its suite is the server's first pick.
 * 2. Order probe: the same suites in reverse. The same pick = the server chooses by its own
 *    order; another pick = it follows the client. A ChaCha20 pick in reverse (OpenSSL's
 *    -prioritize_chacha favours RFC 7905 suites for clients that list one first) is checked once
 *    more with a non-ChaCha20 suite in front.
 * 3. Enumeration: offer the candidates, note the pick, remove it, repeat until the server refuses.
 *    With a server order the picks come in that order, so one chain gives suites and order. With
 *    client order the candidates are split round-robin into chunks enumerated in parallel.
 */
import { ALL_VERSIONS, buildClientHello, buildSslv2ClientHello, describeSuite, PROBE_EXT, versionCode, versionLabel, type TlsVersionName } from "../../tls/index.ts";
import type { CheckOptions, CipherList, ProtocolScan, Target, VersionResult } from "../types.ts";
import { candidateSuites, interleave, sslv2SpecResult, suiteResult } from "./candidates.ts";
import { CheckError } from "./errors.ts";
import { describeOutcome, probeHello, type HelloOutcome } from "./hello-probe.ts";
import { ProbePool } from "./pool.ts";

/** Candidates per enumeration chunk (client-order servers). */
const CHUNK_SIZE = 24;

interface Scanner {
  target: Target;
  opts: CheckOptions;
  pool: ProbePool;
  /** Probes that got no answer at all, in words: what the scan may have missed. */
  gaps: string[];
  renegotiationInfo: ProtocolScan["renegotiationInfo"];
  /** Called with each version's result as soon as its version probe is done (before its suites). */
  seen: (r: VersionResult) => void;
}

/** No answer at all (as opposed to a refusal): the probe says nothing about the server's TLS. */
function noteGap(s: Scanner, what: string, o: HelloOutcome): void {
  if (o.kind === "timeout" || o.kind === "unreachable" || (o.kind === "closed" && o.error !== null)) s.gaps.push(`${what}: ${describeOutcome(o)}`);
}

interface VersionScan {
  result: VersionResult;
  ciphers: CipherList | null;
  unreachable: CheckError | null;
}

async function probeTls(s: Scanner, version: TlsVersionName, suites: number[], what: string): Promise<HelloOutcome> {
  return s.pool.run(what, async () => {
    const hello = buildClientHello({ versions: [version], cipherSuites: suites, sni: s.target.servername ?? undefined });
    return probeHello(s.target, s.opts, hello, "tls");
  });
}

/** The suite the server picked from `offered` for `version`, or undefined for any refusal. */
function picked(o: HelloOutcome, version: TlsVersionName, offered: readonly number[]): number | undefined {
  if (o.kind !== "server-hello" || o.hello.version !== versionCode(version)) return undefined;
  return offered.includes(o.hello.cipherSuite) ? o.hello.cipherSuite : undefined;
}

/** Offers `candidates`, removing each pick, until the server refuses; returns the picks in order. */
async function chain(s: Scanner, version: TlsVersionName, candidates: readonly number[], what: string): Promise<number[]> {
  const picks: number[] = [];
  let remaining = [...candidates];
  while (remaining.length > 0) {
    const o = await probeTls(s, version, remaining, what);
    const pick = picked(o, version, remaining);
    if (pick === undefined) {
      noteGap(s, what, o);
      break;
    }
    picks.push(pick);
    remaining = remaining.filter((c) => c !== pick);
  }
  return picks;
}

const isChacha = (code: number): boolean => describeSuite(code)?.enc === "CHACHA20-POLY1305";

async function enumerate(s: Scanner, version: TlsVersionName, candidates: number[], first: number): Promise<CipherList> {
  const label = versionLabel(version);
  const reversed = [...candidates].reverse();
  const last = picked(await probeTls(s, version, reversed, `${label} order`), version, reversed);
  let serverOrder = last === first;
  // A ChaCha20 pick may come from a server order that favours ChaCha20 for clients listing it
  // first. Put a non-ChaCha20 suite in front: such a server now picks its first choice again, a
  // client-order server that suite (if accepted) or the same ChaCha20 suite.
  const lead = candidates.find((c) => c !== first && !isChacha(c) && describeSuite(c)?.openssl !== undefined);
  if (last !== undefined && !serverOrder && isChacha(last) && !isChacha(first) && lead !== undefined) {
    const led = [lead, ...reversed.filter((c) => c !== lead)];
    serverOrder = picked(await probeTls(s, version, led, `${label} order`), version, led) === first;
  }
  let accepted: number[];
  if (serverOrder) {
    accepted = [first, ...(await chain(s, version, candidates.filter((c) => c !== first), `${label} suites`))];
  } else {
    const known = last === undefined || last === first ? [first] : [first, last];
    const rest = candidates.filter((c) => !known.includes(c));
    const chunks = interleave(rest, Math.min(s.pool.limit, Math.ceil(rest.length / CHUNK_SIZE)));
    const found = await Promise.all(chunks.map((chunk) => chain(s, version, chunk, `${label} suites`)));
    accepted = [...known, ...found.flat()].sort((a, b) => a - b);
  }
  // No pick for the reversed list (timeout, refusal): the order stays unknown.
  return { version, suites: accepted.map(suiteResult), serverOrder: accepted.length < 2 || last === undefined ? null : serverOrder };
}

async function scanSslv2(s: Scanner): Promise<VersionScan> {
  const o = await s.pool.run("SSL 2.0 version", async () => {
    const hello = buildSslv2ClientHello({ version: 0x0002, cipherSpecs: candidateSuites("SSLv2") });
    return probeHello(s.target, s.opts, hello, "sslv2");
  });
  noteGap(s, "SSL 2.0 version", o);
  const offered = o.kind === "sslv2-server-hello" && o.specs.length > 0;
  const result: VersionResult = { version: "SSLv2", offered, evidence: describeOutcome(o) };
  s.seen(result);
  return {
    result,
    ciphers: offered ? { version: "SSLv2", suites: o.specs.map(sslv2SpecResult), serverOrder: null } : null,
    unreachable: o.kind === "unreachable" ? o.error : null,
  };
}

async function scanVersion(s: Scanner, version: TlsVersionName): Promise<VersionScan> {
  if (version === "SSLv2") return scanSslv2(s);
  const candidates = candidateSuites(version);
  const o = await probeTls(s, version, candidates, `${versionLabel(version)} version`);
  noteGap(s, `${versionLabel(version)} version`, o);
  const unreachable = o.kind === "unreachable" ? o.error : null;
  const evidence = describeOutcome(o);
  const refused = (why: string): VersionScan => {
    const result = { version, offered: false, evidence: why };
    s.seen(result);
    return { result, ciphers: null, unreachable };
  };
  if (o.kind !== "server-hello") return refused(evidence);
  if (o.hello.version !== versionCode(version)) return refused(`${evidence}, not ${versionLabel(version)}`);
  // RFC 5746 §3.6: a server that supports secure renegotiation answers our renegotiation_info
  // (or the SCSV of an SSL 3.0 hello) with its own; TLS 1.3 has no renegotiation.
  if (version !== "TLSv1.3") s.renegotiationInfo[version] = o.hello.extensions.includes(PROBE_EXT.renegotiationInfo);
  const first = picked(o, version, candidates);
  const result = { version, offered: true, evidence: first === undefined ? `${evidence} (a suite the probe did not offer)` : evidence };
  s.seen(result);
  if (first === undefined) return { result, ciphers: { version, suites: [], serverOrder: null }, unreachable };
  return { result, ciphers: await enumerate(s, version, candidates, first), unreachable };
}

const ERROR_RANK: readonly CheckError["kind"][] = ["starttls-not-offered", "starttls-refused", "protocol", "connect", "timeout"];

/**
 * Versions SSLv2..TLS 1.3 and the accepted suites per offered version. Throws the CheckError of
 * the version probes when none of them got to send its hello (no connection, no STARTTLS); an
 * abort rejects with the signal's reason. `pool` lets other probes share the connection limit;
 * `onVersions` gets the versions as soon as the version probes are done, before the suites.
 */
export async function scanProtocols(
  target: Target,
  opts: CheckOptions,
  pool = new ProbePool(opts.concurrency, opts.signal, opts.onProgress),
  onVersions?: (versions: VersionResult[]) => void,
): Promise<ProtocolScan> {
  const seen: VersionResult[] = [];
  const s: Scanner = {
    target,
    opts,
    pool,
    gaps: [],
    renegotiationInfo: {},
    seen: (r) => {
      seen.push(r);
      if (seen.length === ALL_VERSIONS.length) onVersions?.(ALL_VERSIONS.flatMap((v) => seen.filter((x) => x.version === v)));
    },
  };
  const scans = await Promise.all(ALL_VERSIONS.map((v) => scanVersion(s, v)));
  const errors = scans.map((v) => v.unreachable);
  if (errors.every((e) => e !== null)) {
    const sorted = errors.filter((e) => e !== null).sort((a, b) => ERROR_RANK.indexOf(a.kind) - ERROR_RANK.indexOf(b.kind));
    if (sorted[0]) throw sorted[0];
  }
  return {
    versions: scans.map((v) => v.result),
    ciphers: scans.flatMap((v) => (v.ciphers ? [v.ciphers] : [])),
    probes: s.pool.done,
    gaps: s.gaps,
    renegotiationInfo: s.renegotiationInfo,
  };
}
