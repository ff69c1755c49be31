/**
 * The IMAP command input layer (RFC 9051, RFC 3501): framing client bytes into commands, parsing
 * their arguments, and formatting strings, flags, dates, ENVELOPE and BODYSTRUCTURE for responses.
 */
export { ImapParseError } from "./errors.ts";
export {
  ImapReader,
  type ReaderEvent,
  type CommandInput,
} from "./reader.ts";
export { ArgParser } from "./parse.ts";
export { parseCommand, type ParsedCommand } from "./command.ts";
export {
  parseSequenceSet,
  resolveSequenceSet,
  clipIntervals,
  intervalsContain,
  iterateIntervals,
  selectUids,
  formatSequenceSet,
  type SequenceSet,
} from "./sequence.ts";
export { readSearchProgram, readReturnOptions, readCharsetAndKeys, type SearchKey } from "./search.ts";
export {
  readFetchItems,
  fetchResponseName,
  type FetchAtt,
  type Section,
} from "./fetch-att.ts";
export { encodeMailboxName, decodeMailboxName } from "./utf7.ts";
export {
  formatAstring,
  literalPrefix,
  formatDateTime,
} from "./format.ts";
export { formatEnvelope, formatBodyStructure } from "./format-body.ts";
