/**
 * The command line's head: `tag SP command-name`, and the UID prefix (RFC 9051 §6.4.9).
 */
import type { CommandInput } from "./reader.ts";
import { ArgParser, type ParserOptions } from "./parse.ts";
import { ImapParseError } from "./errors.ts";

export interface ParsedCommand {
  tag: string;
  /** Upper-cased command name; after "UID", the name that follows it. */
  name: string;
  /** RFC 9051 §6.4.9: the command was prefixed with UID. */
  uid: boolean;
  /** The cursor, positioned after the command name. */
  args: ArgParser;
}

/**
 * Reads `tag SP command` (and `UID SP command`). Errors carry the tag when it was readable, so the
 * session answers `tag BAD ...`, or `* BAD ...` when `tag` is null.
 */
export function parseCommand(input: CommandInput | string | Buffer, opts: ParserOptions = {}): ParsedCommand {
  const args = new ArgParser(input, opts);
  let tag: string | null = null;
  try {
    if (args.atEnd()) throw new ImapParseError("Empty command line");
    tag = args.tag();
    if (args.atEnd()) throw new ImapParseError("Missing command");
    args.sp();
    let name = args.keyword("command name");
    let uid = false;
    if (name === "UID") {
      args.sp();
      name = args.keyword("command name");
      uid = true;
    }
    return { tag, name, uid, args };
  } catch (err) {
    if (err instanceof ImapParseError) err.tag = tag;
    throw err;
  }
}
