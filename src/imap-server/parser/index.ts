/**
 * The IMAP command input layer (RFC 9051, RFC 3501): framing client bytes into commands, parsing
 * their arguments, and formatting strings, flags, dates, ENVELOPE and BODYSTRUCTURE for responses.
 */
export { ImapParseError, MailboxNameError, type ErrorStatus } from "./errors.ts";
export {
  ImapReader, type ReaderEvent, type ReaderLimits, type ReaderMode, type CommandInput, type LiteralInput,
} from "./reader.ts";
export { ArgParser, type ParserOptions, type ImapValue } from "./parse.ts";
export { parseCommand, type ParsedCommand } from "./command.ts";
export {
  MAX_UINT32, parseSequenceSet, resolveSequenceSet, clipIntervals, intervalsContain, iterateIntervals, selectUids,
  formatSequenceSet, formatIntervals, type SequenceSet, type SeqRange, type SeqNumber, type Interval,
} from "./sequence.ts";
export { readSearchProgram, readSearchKeys, type SearchProgram, type SearchKey, type ReturnOption } from "./search.ts";
export {
  readFetchItems, readFetchAtt, fetchResponseName, formatSection,
  type FetchItems, type FetchAtt, type SimpleFetchAtt, type Section, type SectionText, type FetchPartial,
} from "./fetch-att.ts";
export { encodeMailboxName, decodeMailboxName, isPlainMailboxName } from "./utf7.ts";
export {
  formatString, formatAstring, formatNstring, formatFlagList, literalPrefix, formatDateTime, formatDate,
  parseDateTime, parseDate, MAX_QUOTED, type StringFormatOptions, type ImapDate, type ParsedDateTime,
} from "./format.ts";
export { formatEnvelope, formatBodyStructure } from "./format-body.ts";
