/**
 * The log room, the one door to the process log: structured lines (pino) with levels, child
 * loggers bound to a connection, a terminal formatter, and connection ids.
 */
export { createLogger, isLogLevel, LOG_LEVELS, type Logger, type LoggerOptions, type LogFields, type LogLevel } from "./logger.ts";
export { prettyLine } from "./pretty.ts";
export { newSessionId, SESSION_ID_PATTERN } from "./session-id.ts";
