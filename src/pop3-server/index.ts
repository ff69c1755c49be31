/** The POP3 server (RFC 1939, RFC 2449, RFC 2595, RFC 5034). */
export { createPop3Listener } from "./listener.ts";
export { type Pop3Limits } from "./session.ts";

