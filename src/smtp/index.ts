/** What the SMTP server and client share: reply codes, typed errors, address parsing, the reader. */
export { Code, Status, formatReply } from "./codes.ts";
export { SmtpError } from "./errors.ts";
export { parsePathArgs, isAscii, isMailbox, domainOf } from "./address.ts";
export { SmtpReader, type ReaderEvent } from "./reader.ts";
