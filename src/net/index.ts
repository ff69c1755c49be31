/** What every line-based protocol server shares: the listener and line framing. */
export { Listener, type ListenerOptions, type ListenerBase, type ProtocolSession, type Refusal, type SessionObserver } from "./listener.ts";
export { LineReader, splitVerb, type LineEvent } from "./line-reader.ts";
export { LineSession, type EvictionRank, type InputReader, type SessionHooks } from "./session.ts";
export { clientKey, connectionKey, type ClientKey } from "./client-key.ts";
export { ErrorTable, errorEntry, type ErrorEntry } from "./error-table.ts";
