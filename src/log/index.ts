/**
 * The log room, the one door to the process log: structured lines (pino) with levels, child
 * loggers bound to a connection, a terminal formatter, and connection ids.
 */
export { createLogger, type Logger } from "./logger.ts";

export { newSessionId, SESSION_ID_PATTERN } from "./session-id.ts";
