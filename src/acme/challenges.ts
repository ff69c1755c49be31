/**
 * The challenges this server is answering now: HTTP-01's key authorizations by token (RFC 8555
 * §8.3, served on port 80) and TLS-ALPN-01's certificates by name (RFC 8737, served on the web
 * port). An order adds its challenges before it tells the CA to validate them and takes them away
 * when the validation has ended, so a token or name is answered only while it is pending.
 */
import type { SecureContext } from "node:tls";

/** RFC 8555 §8.3: a token is base64url (RFC 4648 §5), no padding. */
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

export class PendingChallenges {
  readonly #http = new Map<string, string>();
  readonly #alpn = new Map<string, SecureContext>();

  /** The key authorization for an HTTP-01 token, or undefined when none is pending. */
  keyAuthorization(token: string): string | undefined {
    return TOKEN.test(token) ? this.#http.get(token) : undefined;
  }

  /** The TLS-ALPN-01 certificate's context for a name (as the ClientHello's SNI gives it), or undefined. */
  alpnContext(servername: string): SecureContext | undefined {
    return this.#alpn.get(servername.toLowerCase().replace(/\.$/, ""));
  }

  /** Answers an HTTP-01 challenge until the returned function is called. */
  addHttp(token: string, keyAuthorization: string): () => void {
    if (!TOKEN.test(token)) throw new Error("the CA sent a challenge token that is not base64url");
    this.#http.set(token, keyAuthorization);
    return () => this.#http.delete(token);
  }

  /** Answers a TLS-ALPN-01 challenge for `name` until the returned function is called. */
  addAlpn(name: string, context: SecureContext): () => void {
    const key = name.toLowerCase();
    this.#alpn.set(key, context);
    return () => {
      if (this.#alpn.get(key) === context) this.#alpn.delete(key);
    };
  }
}
