/** What every line-based protocol server shares: the listener and line framing. */
export { Listener, type ListenerBase, type ProtocolSession, type Refusal } from "./listener.ts";
export { FrontListener } from "./front.ts";
export { LineReader, splitVerb, type LineEvent } from "./line-reader.ts";
export { LineSession, type EvictionRank } from "./session.ts";
export { clientKey } from "./client-key.ts";
export { ErrorTable, errorEntry } from "./error-table.ts";
export { HttpEndpoint, sendText } from "./http-endpoint.ts";
