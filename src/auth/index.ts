/** Authentication for the client protocols: password checks, rate limits, login history, SASL. */
export { Authenticator, legacyRefusalText, type AuthContext, type AuthLimits, type LegacyGate } from "./authenticator.ts";
export { LocalSignInGate, type GateAdmission, type SignInGate, type SignInSlot } from "./gate.ts";
export { LoginLimiter, type LimiterSettings } from "./limiter.ts";
export { decodePlain, decodeBase64Strict, SaslError, LOGIN_USERNAME_CHALLENGE, LOGIN_PASSWORD_CHALLENGE } from "./sasl.ts";
export { WebSessions, type SignedIn } from "./web-sessions.ts";
