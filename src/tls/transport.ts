/**
 * The one TLS transport for every protocol: implicit TLS (RFC 8314) and STARTTLS (RFC 3207,
 * RFC 2595, RFC 9051 §6.2.1) both come through `TlsTransport.accept`.
 *
 * It reads the client's first flight from the raw TCP socket and parses the ClientHello itself
 * (offered versions, suites, SNI, ALPN) before OpenSSL sees a byte; applies the listener's policy
 * (refusing with a TLS alert and a recorded reason, e.g. "client offered at most TLS 1.0"); then
 * hands the bytes back to the socket and lets OpenSSL run the handshake with the certificate the
 * SNI asks for. Every outcome — success with version and cipher, refusal, failure — is reported
 * to the event sink, which the server wires to the audit log.
 *
 * A transport may answer ACME's TLS-ALPN-01 challenges (RFC 8737): a ClientHello that offers the
 * ALPN protocol "acme-tls/1" for a name with a challenge pending gets that challenge's certificate,
 * "acme-tls/1" negotiated, and the connection closed after the handshake (§3: no application data).
 * An ordinary hello costs one look into its (usually empty) ALPN list.
 */
import type { Socket } from "node:net";
import { TLSSocket, type SecureContext } from "node:tls";
import { parseClientHello, summarizeHello, type ClientHello, type HelloParse, type HelloSummary } from "./client-hello.ts";
import { buildAlert } from "./alerts.ts";
import { evaluateHello, type EffectivePolicy } from "./policy.ts";

/** The largest first flight we buffer while waiting for a complete ClientHello. */
const MAX_HELLO_BYTES = 64 * 1024;

/** RFC 8737 §6.2: the ALPN protocol of a TLS-ALPN-01 validation. */
const ACME_TLS_ALPN = "acme-tls/1";

/** Why a TLS-ALPN-01 validation connection ends after its handshake (the accept's result). */
const ACME_ANSWERED = "answered an ACME tls-alpn-01 validation (RFC 8737)";

export interface TlsEndpoint {
  /** Protocol name for the audit: "smtp", "submission", "imap", "pop3". */
  protocol: string;
  port: number;
  mode: "implicit" | "starttls";
  /** The connection's id (src/log), carried into the event. */
  session?: string;
}

export interface TlsEvent {
  time: number;
  /** The connection's id: the same in its log lines and login-history rows; null if none was given. */
  session: string | null;
  protocol: string;
  port: number;
  clientIp: string;
  mode: "implicit" | "starttls";
  outcome: "ok" | "refused" | "failed";
  reason: string | null;
  version: string | null;
  cipher: string | null;
  hello: HelloSummary | null;
  /** The handshake was on a legacy endpoint (issue 12), whichever policy it met; absent or false elsewhere. */
  legacy?: boolean;
}

export interface TlsInfo {
  /** Negotiated version as OpenSSL names it ("TLSv1.3"). */
  version: string;
  /** Negotiated suite, IANA name ("TLS_AES_256_GCM_SHA384"). */
  cipher: string;
  /** OpenSSL's name for the suite (for Received headers in Postfix's style). */
  cipherOpenSsl: string;
  /**
   * What the connection's later records need of the ClientHello (the SMTP audit names the versions
   * offered); the rest of it went to the handshake's event. A connection lives for hours: it must
   * not keep the parsed hello (a few KB each, 10,000 idle IMAP sessions).
   */
  hello: Pick<HelloSummary, "offeredVersions">;
  sni: string | undefined;
}

type TlsAcceptResult = { ok: true; socket: TLSSocket; info: TlsInfo } | { ok: false; reason: string };

/** What a handshake is held to: the pre-check's policy and the contexts OpenSSL runs it with. */
interface TlsProfile {
  contextFor: (servername: string | undefined) => SecureContext;
  policy: () => EffectivePolicy;
}

/** A TLS-ALPN-01 validation's handshake: the challenge's context, "acme-tls/1", closed once done. */
interface ChallengeProfile extends TlsProfile {
  challenge: true;
}

interface TlsTransportOptions extends TlsProfile {
  /**
   * A legacy endpoint (issue 12): its own profile (TLS 1.0/1.1 too) for each handshake that starts
   * while `ended()` is false; from the cut-off on, the main profile above, with no restart.
   */
  legacy?: TlsProfile & { ended: () => boolean };
  onEvent: (event: TlsEvent) => void;
  /** Read per connection, so a reloaded config applies to the next one. */
  handshakeTimeoutMs: () => number;
  /** The context answering a pending TLS-ALPN-01 challenge for `servername` (RFC 8737), or undefined when none is pending. */
  alpnChallenge?: (servername: string) => SecureContext | undefined;
}

/** What a chunk of not-a-ClientHello bytes was, safe to log. */
function sanitize(reason: string): string {
  return reason.replace(/[^\x20-\x7e]/g, "?").slice(0, 200);
}

export class TlsTransport {
  readonly #opts: TlsTransportOptions;
  constructor(opts: TlsTransportOptions) {
    this.#opts = opts;
  }

  /** A legacy endpoint's transport: its connections, their sign-ins and its TLS events say so. */
  get legacy(): boolean {
    return this.#opts.legacy !== undefined;
  }

  /** The profile a handshake starting now is held to (decided once, at its ClientHello). */
  #profile(): TlsProfile {
    const legacy = this.#opts.legacy;
    return legacy !== undefined && !legacy.ended() ? legacy : this.#opts;
  }

  /**
   * Runs the server side of a TLS handshake on `socket`, which must have no other data listener
   * and nothing buffered that belongs to the plaintext protocol (STARTTLS callers discard their
   * buffered input first: RFC 3207 §4.2).
   */
  accept(socket: Socket, endpoint: TlsEndpoint, opts: { signal?: AbortSignal } = {}): Promise<TlsAcceptResult> {
    const clientIp = normalizeIp(socket.remoteAddress);
    // One deadline from the first byte we wait for to the end of the handshake, however slowly
    // the client's bytes trickle in.
    const limitMs = this.#opts.handshakeTimeoutMs();
    const deadline = Date.now() + limitMs;
    const event = (e: Omit<TlsEvent, "time" | "session" | "protocol" | "port" | "clientIp" | "mode">): void => {
      this.#opts.onEvent({ time: Date.now(), session: endpoint.session ?? null, protocol: endpoint.protocol, port: endpoint.port, clientIp, mode: endpoint.mode, legacy: this.legacy, ...e });
    };
    return new Promise<TlsAcceptResult>((resolve) => {
      // The first flight as it arrives; parsed again only once the parser's `needed` bytes are
      // here, so a hello trickled in tiny pieces is not re-read after every one of them.
      const chunks: Buffer[] = [];
      let received = 0;
      let parseAt = 1;
      const buffered = (): Buffer => {
        if (chunks.length > 1) chunks.splice(0, chunks.length, Buffer.concat(chunks, received));
        return chunks[0] ?? Buffer.alloc(0);
      };
      let settled = false;
      const timer = setTimeout(() => finishRaw("handshake timed out before the ClientHello arrived", null), limitMs);
      const onAbort = (): void => finishRaw(abortReason(opts.signal), null);
      opts.signal?.addEventListener("abort", onAbort);

      const cleanup = (): void => {
        clearTimeout(timer);
        opts.signal?.removeEventListener("abort", onAbort);
        socket.off("data", onData);
        socket.off("close", onClose);
        socket.off("error", onClose);
      };
      const finishRaw = (reason: string, hello: ClientHello | null, alert?: number): void => {
        if (settled) return;
        settled = true;
        cleanup();
        event({ outcome: hello === null ? "failed" : "refused", reason, version: null, cipher: null, hello: hello ? summarizeHello(hello) : null });
        if (alert !== undefined && hello !== null && !socket.destroyed) {
          socket.end(buildAlert(2, alert, hello.recordVersion >= 0x0301 ? hello.recordVersion : 0x0301));
          socket.destroySoon();
        } else {
          socket.destroy();
        }
        resolve({ ok: false, reason });
      };
      const onClose = (): void => finishRaw(received === 0 ? "client closed the connection before the handshake" : "client closed the connection during the handshake", null);
      const onData = (chunk: Buffer): void => {
        chunks.push(chunk);
        received += chunk.length;
        const parsed: HelloParse = received >= parseAt ? parseClientHello(buffered()) : { kind: "incomplete" };
        if (parsed.kind === "incomplete") {
          if (received > MAX_HELLO_BYTES) finishRaw("ClientHello larger than 64 KiB", null);
          else if (received >= parseAt) parseAt = received + Math.max(1, parsed.needed ?? 1);
          return;
        }
        if (parsed.kind === "not-tls" || parsed.kind === "invalid") {
          finishRaw(sanitize(parsed.reason), null);
          return;
        }
        const hello = parsed.hello;
        const profile = this.#profile();
        const verdict = evaluateHello(hello, profile.policy());
        if (!verdict.accept) {
          finishRaw(verdict.reason, hello, verdict.alert);
          return;
        }
        settled = true;
        cleanup();
        socket.pause();
        socket.unshift(buffered());
        this.#handshake(socket, hello, this.#challengeFor(hello) ?? profile, { deadline, signal: opts.signal }, event, resolve);
      };
      socket.on("data", onData);
      socket.on("close", onClose);
      socket.on("error", onClose);
      if (opts.signal?.aborted === true) onAbort();
      else socket.resume();
    });
  }

  /** RFC 8737 §3: a hello offering "acme-tls/1" for a name with a pending challenge is answered with the challenge's certificate. */
  #challengeFor(hello: ClientHello): ChallengeProfile | undefined {
    const answer = this.#opts.alpnChallenge;
    if (answer === undefined || hello.sni === undefined || !hello.alpn.includes(ACME_TLS_ALPN)) return undefined;
    const ctx = answer(hello.sni);
    return ctx === undefined ? undefined : { contextFor: () => ctx, policy: () => this.#opts.policy(), challenge: true };
  }

  #handshake(
    socket: Socket,
    hello: ClientHello,
    profile: TlsProfile | ChallengeProfile,
    limits: { deadline: number; signal: AbortSignal | undefined },
    event: (e: Omit<TlsEvent, "time" | "session" | "protocol" | "port" | "clientIp" | "mode">) => void,
    resolve: (r: TlsAcceptResult) => void,
  ): void {
    const summary = summarizeHello(hello);
    let done = false;
    const challenge = "challenge" in profile;
    const tlsSocket = new TLSSocket(socket, {
      isServer: true,
      secureContext: profile.contextFor(hello.sni),
      requestCert: false,
      rejectUnauthorized: false,
      // RFC 8737 §3: the server MUST negotiate "acme-tls/1" (and only offers it to a validation).
      ...(challenge ? { ALPNProtocols: [ACME_TLS_ALPN] } : {}),
    });
    const fail = (reason: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      limits.signal?.removeEventListener("abort", onAbort);
      event({ outcome: "failed", reason: sanitize(reason), version: null, cipher: null, hello: summary });
      tlsSocket.destroy();
      resolve({ ok: false, reason });
    };
    const timer = setTimeout(() => fail("timed out"), Math.max(limits.deadline - Date.now(), 0));
    const onAbort = (): void => fail(abortReason(limits.signal));
    limits.signal?.addEventListener("abort", onAbort);
    tlsSocket.once("secure", () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      limits.signal?.removeEventListener("abort", onAbort);
      // The handshake's listeners go: they hold the parsed ClientHello and the limits for as long
      // as the connection lives. A no-op keeps an error between here and the session's own
      // listener from being thrown as unhandled.
      tlsSocket.off("_tlsError", onError);
      tlsSocket.off("error", onError);
      tlsSocket.off("close", onClose);
      tlsSocket.on("error", ignoreError);
      // After the handshake, Node reports TLS-level errors only through this event (a tls.Server
      // would turn them into 'tlsClientError' and drop the connection; we must too). A client's
      // renegotiation request never gets this far: OpenSSL refuses it itself (SSL_OP_NO_RENEGOTIATION,
      // certificates.ts) with a no_renegotiation warning alert and no handshake work, and the
      // connection stays as it was — clients give up on it.
      tlsSocket.on("_tlsError", destroyOnTlsError);
      const cipher = tlsSocket.getCipher();
      const info: TlsInfo = {
        version: tlsSocket.getProtocol() ?? "unknown",
        cipher: cipher.standardName,
        cipherOpenSsl: cipher.name,
        hello: { offeredVersions: summary.offeredVersions },
        sni: hello.sni,
      };
      if (challenge) {
        // RFC 8737 §3: once the handshake is complete, no data is exchanged; the connection closes.
        event({ outcome: "ok", reason: ACME_ANSWERED, version: info.version, cipher: info.cipher, hello: summary });
        tlsSocket.end();
        tlsSocket.destroySoon();
        resolve({ ok: false, reason: ACME_ANSWERED });
        return;
      }
      event({ outcome: "ok", reason: null, version: info.version, cipher: info.cipher, hello: summary });
      resolve({ ok: true, socket: tlsSocket, info });
    });
    const onError = (err: Error): void => fail(opensslReason(err));
    tlsSocket.on("_tlsError", onError);
    tlsSocket.once("error", onError);
    const onClose = (): void => fail("client closed the connection during the handshake");
    tlsSocket.once("close", onClose);
  }
}

/** A listener that captures nothing, so an established connection does not keep its handshake. */
function destroyOnTlsError(this: TLSSocket): void {
  this.destroy();
}
function ignoreError(): void {}

/** Why the caller gave up on a handshake (e.g. the listener needed the slot), for the audit. */
function abortReason(signal: AbortSignal | undefined): string {
  const r: unknown = signal?.reason;
  return typeof r === "string" ? r : "handshake abandoned";
}

/**
 * OpenSSL's reason ("no shared cipher", "unsupported protocol"), without addresses or stack. Like
 * every recorded reason it says why, not what: the reader says "TLS handshake failed" (the
 * history line, the report's heading), so the record does not say it again.
 */
function opensslReason(err: Error): string {
  const m = /routines:[^:]*:([^:]+)/.exec(err.message);
  return m?.[1] ?? (err as NodeJS.ErrnoException).code ?? err.message;
}

/** "::ffff:127.0.0.1" → "127.0.0.1". */
export function normalizeIp(ip: string | undefined): string {
  if (ip === undefined) return "unknown";
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}
