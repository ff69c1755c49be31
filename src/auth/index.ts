/** Authentication for the client protocols: password checks, rate limits, login history, SASL. */
export { Authenticator, type AuthContext, type AuthLimits, type AuthOutcome, type LoginObserver, type LoginResult } from "./authenticator.ts";
export { decodePlain, decodeBase64Strict, encodeBase64, SaslError, LOGIN_USERNAME_CHALLENGE, LOGIN_PASSWORD_CHALLENGE, type PlainCredentials } from "./sasl.ts";
