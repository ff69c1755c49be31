/** The IMAP server (RFC 9051, RFC 3501 and the extensions in capabilities.ts). */
export { createImapListener, type ImapListenerOptions } from "./listener.ts";
export { ImapSession, type ImapLimits } from "./session.ts";
