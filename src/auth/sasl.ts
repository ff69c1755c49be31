/**
 * SASL mechanisms shared by IMAP AUTHENTICATE, POP3 AUTH and SMTP AUTH: PLAIN (RFC 4616) and
 * LOGIN (draft-murchison-sasl-login). Pure decoding; the protocols do the exchanges.
 */

export class SaslError extends Error {
  override name = "SaslError";
}

interface PlainCredentials {
  authzid: string;
  authcid: string;
  password: string;
}

/** RFC 4648 §4 base64, strict: the protocols reject anything else as a malformed response. */
export function decodeBase64Strict(text: string): Buffer {
  const t = text.trim();
  if (t.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(t)) throw new SaslError("invalid base64");
  return Buffer.from(t, "base64");
}

/** RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd. */
export function decodePlain(base64: string): PlainCredentials {
  const text = decodeBase64Strict(base64).toString("utf8");
  const parts = text.split("\0");
  if (parts.length !== 3) throw new SaslError("malformed PLAIN response");
  const [authzid = "", authcid = "", password = ""] = parts;
  if (authcid === "" || password === "") throw new SaslError("malformed PLAIN response");
  if (authcid.length > 255 || password.length > 1024 || authzid.length > 255) throw new SaslError("PLAIN response too long");
  return { authzid, authcid, password };
}

function encodeBase64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

/** The LOGIN mechanism's two challenges. */
export const LOGIN_USERNAME_CHALLENGE = encodeBase64("Username:");
export const LOGIN_PASSWORD_CHALLENGE = encodeBase64("Password:");
