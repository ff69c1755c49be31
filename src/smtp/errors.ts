/**
 * Typed SMTP errors. Handlers throw these; the session's one mapping point turns them into
 * replies (and, where `close` is set, a 421 and a closed connection).
 */
import type { Reply } from "./codes.ts";

export class SmtpError extends Error implements Reply {
  override name = "SmtpError";
  readonly code: number;
  readonly status: string | null;
  readonly text: string;
  /** Close the connection after the reply (RFC 5321 §3.8: 421). */
  readonly close: boolean;
  /** Counts toward the session's error limit. */
  readonly countsAsError: boolean;

  constructor(code: number, status: string | null, text: string, opts: { close?: boolean; countsAsError?: boolean } = {}) {
    super(`${code} ${status ?? ""} ${text}`.replace(/\s+/g, " "));
    this.code = code;
    this.status = status;
    this.text = text;
    this.close = opts.close ?? false;
    this.countsAsError = opts.countsAsError ?? code >= 400;
  }
}
