/**
 * The one message toolkit: what the IMAP server (and SMTP, POP3, bounces) need from a message's bytes:
 * the header scanner, the RFC 2047 decoder, the MIME tree with byte offsets, the ENVELOPE and
 * BODY/BODYSTRUCTURE structures, BODY[section]<partial> and BINARY[] (RFC 9051 §6.4.5, §7.5.2;
 * RFC 3501; RFC 3516; RFC 2045-2047; RFC 2231; RFC 5322). Pure: callers pass bytes, nothing here does
 * I/O, and nothing here writes protocol syntax (imap-server formats ENVELOPE and BODYSTRUCTURE).
 */
export {
  parseMime,
  isMultipart,
  type MimePart,
} from "./tree.ts";
export {
  type HeaderField,
  decodeHeaderText,
  everyField,
  scanHeader,
  headerBounds,
  fieldName,
  fieldAt,
  withoutFields,
  messageHead,
} from "./header.ts";
export { decodeEncodedWords, decodeCharset, encodeWords } from "./encoded-word.ts";
export { type MimeParam, paramValue, paramText } from "./params.ts";
export { parseAddressList, type ImapAddress } from "./address.ts";
export { envelope, type ImapEnvelope } from "./envelope.ts";
export {
  bodyStructure,
  type ImapBodyStructure,
  type ImapSinglePart,
  type ImapBodyExtension,
} from "./bodystructure.ts";
export {
  parseSection,
  resolvePart,
  extractSection,
  extractBinary,
  applyPartial,
  type SectionSpec,
} from "./section.ts";
export { parseDateField } from "./date.ts";
export { decodeTransfer, decodeTransferChunks, decodeQuotedPrintable, UnknownCteError } from "./transfer.ts";
