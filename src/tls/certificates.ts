/**
 * The server's certificates: loads PEM chain/key pairs, checks each key matches its leaf, builds
 * one `tls.SecureContext` per set of certificates serving a name, picks a context per connection
 * from the client's Server Name Indication (RFC 6066 §3), and reloads atomically when files change.
 *
 * Names a leaf covers are its subjectAltName dNSNames, or its subject CN only when it has none
 * (RFC 5280 §4.2.1.6, RFC 6125 §6.4.4). Matching is case-insensitive; an exact name beats a
 * wildcard, and `*.example.com` matches exactly one left-most label (RFC 6125 §6.4.3), never
 * `example.com` or `a.b.example.com`. Unknown or absent SNI gets the first certificate's context.
 *
 * RSA + ECDSA for one host: OpenSSL chooses between certificates of one context by the client's
 * signature_algorithms, but Node installs only the last certificate of a context returned from
 * `SNICallback` (nodejs/node#54235). So the default context carries every certificate (first per
 * key type) that covers the first certificate's first name, and `sniCallback` answers "keep the
 * connection's initial context" for names that context serves; the server or TLSSocket must
 * therefore start from `defaultContextOptions()`/`defaultContext()`. Other names get the first
 * listed certificate covering them. Private key contents never appear in errors.
 */
import { watchFile, unwatchFile, type Stats } from "node:fs";
import { constants } from "node:crypto";
import tls from "node:tls";
import { keyTypeLabel, type CertificateSpec, type KeyType, type PemPair } from "./certificate-files.ts";
import { errorText, loadPair, normalizeName, rankPairs, type LoadedPair } from "./certificate-pairs.ts";
import type { SelfSignedOptions } from "./certificates-generate.ts";

export { writeCertificateFiles, writeFileAtomic, certificateSummary, certificateDaysLeft, CERTIFICATE_WARN_DAYS } from "./certificate-files.ts";
export type { CertificateSpec, PemPair } from "./certificate-files.ts";

// Generation needs @peculiar/x509, whose loading costs ~140 ms: it is loaded only when used
// (`sealpost init`, tests), never by the server or `sealpost check`.

/** Generates a server certificate for `hostnames` (self-signed, or issued by `opts.issuer`). */
export async function generateSelfSigned(opts: SelfSignedOptions): Promise<PemPair> {
  return (await import("./certificates-generate.ts")).generateSelfSigned(opts);
}

/** Generates a CA certificate and key (for test chains). */
export async function generateCa(opts: { name: string; days?: number; keyType?: KeyType; notBefore?: Date; notAfter?: Date }): Promise<PemPair> {
  return (await import("./certificates-generate.ts")).generateCa(opts);
}

export interface TlsContextPolicy {
  /** Never lower than TLS 1.2, except for a legacy endpoint's contexts (`legacy`). */
  minVersion: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3";
  /**
   * A legacy endpoint's contexts (issue 12): minVersion may be TLS 1.0 or 1.1, which OpenSSL 3
   * negotiates only at security level 0 (its level 1 already refuses SHA-1 signatures and TLS < 1.2).
   */
  legacy?: true;
  /** OpenSSL cipher list for TLS ≤ 1.2. */
  ciphers: string;
  /** TLS 1.3 suites, colon-separated, e.g. "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384". */
  ciphersuites: string;
}

interface CertificateDescription {
  names: string[];
  notAfter: Date;
  keyType: string;
  fingerprint256: string;
  file: string;
  /** Kept by the server (ACME), not named in the configuration. */
  managed: boolean;
}

interface Snapshot {
  pairs: LoadedPair[];
  exact: Map<string, tls.SecureContext>;
  /** Keyed by the part after "*." of a wildcard name. */
  wildcard: Map<string, tls.SecureContext>;
  defaultContext: tls.SecureContext;
  defaultOptions: tls.SecureContextOptions;
  /** The default context holds more than one certificate (e.g. RSA + ECDSA). */
  defaultIsMulti: boolean;
  names: string[];
  /** Managed pairs left out because they could not be loaded: one line each. */
  skipped: string[];
}

const ECDH_CURVES = "X25519:P-256:P-384";

export class CertificateStore {
  readonly #specs: CertificateSpec[];
  #managed: CertificateSpec[];
  #policy: TlsContextPolicy;
  #snap: Snapshot;
  #reloading: Promise<void> = Promise.resolve();
  readonly #servers = new Set<tls.Server>();

  private constructor(specs: CertificateSpec[], managed: CertificateSpec[], policy: TlsContextPolicy, snap: Snapshot) {
    this.#specs = specs;
    this.#managed = managed;
    this.#policy = policy;
    this.#snap = snap;
  }

  /**
   * Reads and checks every pair and builds the contexts; rejects with a one-line error naming the
   * file. `managed`: pairs the server keeps itself (ACME), ranked by `rankPairs`; one that cannot
   * be loaded is left out (`skipped()`), so a damaged file there never stops the server.
   */
  static async load(specs: CertificateSpec[], policy: TlsContextPolicy, managed: CertificateSpec[] = []): Promise<CertificateStore> {
    const copy = specs.map((s) => ({ cert: s.cert, key: s.key }));
    return new CertificateStore(copy, managed, policy, await buildSnapshot(copy, managed, policy));
  }

  /** The managed pairs the last load or reload left out, one line each (naming the file). */
  skipped(): string[] {
    return [...this.#snap.skipped];
  }

  /** The context for an SNI host name (RFC 6066 §3); unknown or absent → the default. */
  contextFor(servername: string | undefined): tls.SecureContext {
    const snap = this.#snap;
    if (servername === undefined || servername === "") return snap.defaultContext;
    const name = normalizeName(servername);
    const exact = snap.exact.get(name);
    if (exact !== undefined) return exact;
    const dot = name.indexOf(".");
    if (dot > 0) {
      const wild = snap.wildcard.get(name.slice(dot + 1));
      if (wild !== undefined) return wild;
    }
    return snap.defaultContext;
  }

  /** Bound; pass as `SNICallback` to `tls.createServer` or `new tls.TLSSocket`. */
  readonly sniCallback = (servername: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void): void => {
    const ctx = this.contextFor(servername);
    // A multi-certificate default context only works as the connection's initial context.
    cb(null, ctx === this.#snap.defaultContext && this.#snap.defaultIsMulti ? undefined : ctx);
  };

  /** The first certificate's context, for clients that send no SNI. */
  defaultContext(): tls.SecureContext {
    return this.#snap.defaultContext;
  }

  /**
   * Options equivalent to `defaultContext()`, for `tls.createServer(...)` and, after `reload()`,
   * `server.setSecureContext(...)`: a `tls.Server` builds its own no-SNI context from options.
   */
  defaultContextOptions(): tls.SecureContextOptions {
    return { ...this.#snap.defaultOptions };
  }

  /**
   * Keeps `server`'s own (no-SNI and multi-certificate) context current: applies
   * `defaultContextOptions()` now and after every successful `reload()`. Note that
   * `server.setSecureContext` also resets `ca`/`crl`; this store does not manage client
   * certificates. Returns a function that detaches.
   */
  attachServer(server: tls.Server): () => void {
    server.setSecureContext(this.defaultContextOptions());
    this.#servers.add(server);
    return () => {
      this.#servers.delete(server);
    };
  }

  /** Every DNS name (and wildcard) covered, lower-cased, in load order. */
  names(): string[] {
    return [...this.#snap.names];
  }

  describe(): CertificateDescription[] {
    return this.#snap.pairs.map((p) => ({
      names: [...p.names],
      notAfter: p.leaf.validToDate,
      keyType: keyTypeLabel(p.key),
      fingerprint256: p.leaf.fingerprint256,
      file: p.spec.cert,
      managed: p.managed,
    }));
  }

  /**
   * Re-reads every file (and takes `managed` as the new set of managed pairs, when given) and swaps
   * all contexts at once. On failure the old contexts stay and the promise rejects with a one-line
   * error naming the file. Open connections keep their context.
   */
  reload(policy?: TlsContextPolicy, managed?: CertificateSpec[]): Promise<void> {
    const run = async (): Promise<void> => {
      const nextPolicy = policy ?? this.#policy;
      const nextManaged = managed ?? this.#managed;
      const snap = await buildSnapshot(this.#specs, nextManaged, nextPolicy);
      this.#snap = snap;
      this.#policy = nextPolicy;
      this.#managed = nextManaged;
      for (const server of this.#servers) server.setSecureContext(this.defaultContextOptions());
    };
    const result = this.#reloading.then(run);
    this.#reloading = result.catch(() => undefined);
    return result;
  }

  /**
   * Polls every certificate and key file (`fs.watchFile`); calls `onChange` once, 200 ms after
   * the last change seen, so a key and certificate replaced together trigger one reload.
   * Returns a function that stops watching. Does not keep the process alive.
   */
  watch(onChange: () => void, intervalMs = 2000): () => void {
    const paths = [...new Set(this.#specs.flatMap((s) => [s.cert, s.key]))];
    let timer: NodeJS.Timeout | undefined;
    const listener = (curr: Stats, prev: Stats): void => {
      if (curr.mtimeMs === prev.mtimeMs && curr.ino === prev.ino && curr.size === prev.size) return;
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        onChange();
      }, 200);
      timer.unref();
    };
    for (const p of paths) watchFile(p, { interval: intervalMs, persistent: false }, listener);
    return () => {
      for (const p of paths) unwatchFile(p, listener);
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    };
  }
}

/** Checks a policy read from configuration; throws a one-line error. */
export function checkPolicy(policy: TlsContextPolicy): void {
  const floors = policy.legacy === true ? ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"] : ["TLSv1.2", "TLSv1.3"];
  if (!floors.includes(policy.minVersion)) {
    throw new Error(`TLS policy: minVersion must be ${floors.join(" or ")}, not ${JSON.stringify(policy.minVersion)}`);
  }
  const list = policy.ciphers.split(":").filter((c) => c !== "");
  const suites = policy.ciphersuites.split(":").filter((c) => c !== "");
  if (list.some((c) => /^!?TLS_/.test(c))) throw new Error("TLS policy: TLS 1.3 suites belong in ciphersuites, not ciphers");
  if (suites.some((c) => !/^!?TLS_/.test(c))) throw new Error("TLS policy: ciphersuites may only name TLS 1.3 suites (TLS_…)");
  if (suites.length === 0) throw new Error("TLS policy: ciphersuites is empty, which would disable TLS 1.3");
  if (list.length === 0 && policy.minVersion !== "TLSv1.3") throw new Error("TLS policy: ciphers is empty, which would disable TLS 1.2");
}

/**
 * Options shared by every context; Node splits `ciphers` into the ≤1.2 list and 1.3 suites by the
 * "TLS_" prefix, so a legacy context's "@SECLEVEL=0" goes at the end of the ≤1.2 list:
 * "ECDHE-RSA-AES128-SHA:…:@SECLEVEL=0:TLS_AES_128_GCM_SHA256:…".
 */
function policyOptions(policy: TlsContextPolicy): tls.SecureContextOptions {
  const old = policy.minVersion === "TLSv1" || policy.minVersion === "TLSv1.1";
  return {
    minVersion: policy.minVersion,
    ciphers: [policy.ciphers, old ? "@SECLEVEL=0" : "", policy.ciphersuites].filter((s) => s !== "").join(":"),
    honorCipherOrder: true,
    ecdhCurve: ECDH_CURVES,
    // TLS 1.2 renegotiation started by the client costs the server a full handshake each time
    // (testssl.sh's secure_client_renego): refused outright, with a no_renegotiation alert
    // (RFC 5246 §7.2.2). TLS 1.3 has no renegotiation (RFC 8446 §4.1.2).
    secureOptions: constants.SSL_OP_NO_RENEGOTIATION,
  };
}

async function buildSnapshot(specs: CertificateSpec[], managedSpecs: CertificateSpec[], policy: TlsContextPolicy): Promise<Snapshot> {
  if (specs.length === 0) throw new Error("no TLS certificates configured");
  checkPolicy(policy);
  const configured: LoadedPair[] = [];
  for (const spec of specs) configured.push(await loadPair(spec));
  const managed: LoadedPair[] = [];
  const skipped: string[] = [];
  for (const spec of managedSpecs) {
    await loadPair(spec, true).then(
      (p) => void managed.push(p),
      (e: unknown) => void skipped.push(errorText(e)),
    );
  }
  const pairs = rankPairs(configured, managed);

  // Which pairs cover each name, in list order.
  const byName = new Map<string, number[]>();
  pairs.forEach((p, i) => {
    for (const n of p.names) byName.set(n, [...(byName.get(n) ?? []), i]);
  });
  // The default group: the first pair plus, per other key type, the first pair covering its first
  // name — never a self-signed placeholder beside a CA-issued first pair.
  const group: number[] = [];
  for (const i of byName.get(pairs[0]?.names[0] ?? "") ?? [0]) {
    if (pairs[i]?.selfSigned === true && pairs[0]?.selfSigned === false) continue;
    if (!group.some((j) => pairs[j]?.key.asymmetricKeyType === pairs[i]?.key.asymmetricKeyType)) group.push(i);
  }
  const build = (members: LoadedPair[]): { ctx: tls.SecureContext; options: tls.SecureContextOptions } => {
    const options: tls.SecureContextOptions = {
      ...policyOptions(policy),
      cert: members.map((p) => p.chainPem),
      key: members.map((p) => p.keyPem),
    };
    try {
      return { ctx: tls.createSecureContext(options), options };
    } catch (err) {
      throw new Error(`${members.map((p) => p.spec.cert).join(", ")}: cannot build TLS context: ${errorText(err)}`);
    }
  };
  const def = build(group.map((i) => pairs[i]).filter((p): p is LoadedPair => p !== undefined));
  const single = new Map<number, tls.SecureContext>(group.length === 1 ? [[0, def.ctx]] : []);
  const contextOf = (indexes: number[]): tls.SecureContext => {
    // Names every default-group certificate covers use the default context; others the first listed pair.
    if (group.every((i) => indexes.includes(i))) return def.ctx;
    const first = indexes[0] ?? 0;
    let ctx = single.get(first);
    if (ctx === undefined) {
      const pair = pairs[first];
      if (pair === undefined) throw new Error("internal: no certificate for name");
      ctx = build([pair]).ctx;
      single.set(first, ctx);
    }
    return ctx;
  };
  // Build every pair's context up front so a bad pair fails load/reload, not a handshake.
  pairs.forEach((_, i) => contextOf([i]));

  const exact = new Map<string, tls.SecureContext>();
  const wildcard = new Map<string, tls.SecureContext>();
  for (const [name, indexes] of byName) {
    const ctx = contextOf(indexes);
    if (name.startsWith("*.")) {
      const base = name.slice(2);
      // RFC 6125 §6.4.3: only a whole left-most label; refuse "*.com"-style patterns.
      if (base.includes(".") && !base.includes("*")) wildcard.set(base, ctx);
    } else if (!name.includes("*")) {
      exact.set(name, ctx);
    }
  }
  const defaultIsMulti = group.length > 1;
  return { pairs, exact, wildcard, defaultContext: def.ctx, defaultOptions: def.options, defaultIsMulti, names: [...byName.keys()], skipped };
}
