/** The IMAP server (RFC 9051, RFC 3501 and the extensions in capabilities.ts). */
export { createImapListener } from "./listener.ts";
export { type ImapLimits } from "./session-options.ts";
export { searchMailbox } from "./mailbox-search.ts";
export { type SearchKey } from "./parser/index.ts";
export { Lru } from "./message-cache.ts";
