/** The POP3 server (RFC 1939, RFC 2449, RFC 2595, RFC 5034). */
export { createPop3Listener, type Pop3ListenerOptions } from "./listener.ts";
export { Pop3Session, type Pop3Limits } from "./session.ts";
export { stuffMessage } from "./maildrop.ts";
